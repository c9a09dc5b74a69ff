"""The Paymo error tree: every failure a caller can catch has one obvious class.

    PaymoError                      base; carries status, Paymo's message, method and path
    ├── PaymoRequestError           400/422: Paymo rejected the arguments
    ├── PaymoAuthError              401: the API key is missing or wrong
    ├── PaymoForbiddenError         403: the account may not do this (plan limit, rights)
    ├── PaymoNotFoundError          404: no such record
    ├── PaymoConflictError          409: e.g. a second running timer
    ├── PaymoRateLimitError         429: over the rate limit; retry_after in seconds
    ├── PaymoUnavailableError       5xx, connection failures, timeouts (safe to retry later)
    ├── PaymoOutcomeUnknownError    a write may or may not have happened (connection lost after sending)
    ├── PaymoCreatedUnreadableError a create Paymo confirmed (201) whose record could not be read: never retry
    └── PaymoResponseError          2xx/4xx/5xx whose body is not the JSON Paymo promises

Credentials never appear in any message: the client authenticates with a header, so method and
path are all that is recorded.
"""

from __future__ import annotations

import math


class PaymoError(Exception):
    """A failed Paymo call. `str()` is one or two lines for a model: what failed, why, what to do."""

    hint = "Check the arguments and try again."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        if hint is not None:
            self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f" ({self.status})" if self.status else ""
        return f"Paymo {where} failed{status}: {self.message}. {self.hint}".replace("..", ".")


class PaymoRequestError(PaymoError):
    hint = "Fix the arguments Paymo names and try again."


class PaymoAuthError(PaymoError):
    hint = "Check PAYMO_API_KEY (Paymo: My Settings > API Keys)."


class PaymoForbiddenError(PaymoError):
    hint = "The account or its plan does not allow this; ask an admin or choose another record."


class PaymoNotFoundError(PaymoError):
    hint = "Check the id; a list_* tool shows the existing records."


class PaymoConflictError(PaymoError):
    hint = "Resolve the conflict first (e.g. stop the running timer) and try again."


def duration(seconds: float) -> str:
    """A wait as a person reads it: 30 s, 4 min, 24 h."""
    if seconds <= 90:
        return f"{math.ceil(seconds):d} s"
    if seconds <= 90 * 60:
        return f"{round(seconds / 60):d} min"
    return f"{round(seconds / 3600):d} h"


class PaymoRateLimitError(PaymoError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        wait = duration(retry_after) if retry_after is not None else "a few seconds"
        super().__init__(message, hint=f"Paymo's rate limit was reached; wait {wait} and retry.", **kw)  # type: ignore[arg-type]


class PaymoUnavailableError(PaymoError):
    hint = "Paymo did not answer usefully; try again in a minute."


class PaymoOutcomeUnknownError(PaymoError):
    hint = (
        "So it may or may not have been applied, and it was not retried, which could duplicate it. "
        "List the records (e.g. by name) to check before trying again."
    )


class PaymoCreatedUnreadableError(PaymoError):
    """Paymo answered 201 Created, but the record could not be read: it exists, so never create it again."""

    def __init__(self, reason: str, *, record_id: int | None = None, **kw: object) -> None:
        self.reason = reason
        self.record_id = record_id
        made = f"HTTP 201, id {record_id}" if record_id else "HTTP 201"
        find = f"read it by id {record_id}" if record_id else "list the records to find it"
        hint = f"Do not create it again, which would make a duplicate: {find}."
        message = f"it WAS created ({made}), but its answer could not be read: {reason}"
        super().__init__(message, hint=hint, **kw)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"Paymo {self.method} {self.path}: {self.message}. {self.hint}"


class PaymoResponseError(PaymoError):
    hint = "Paymo's answer could not be read; try again, and check that PAYMO_BASE_URL is the Paymo API."


_BY_STATUS: dict[int, type[PaymoError]] = {
    400: PaymoRequestError,
    401: PaymoAuthError,
    403: PaymoForbiddenError,
    404: PaymoNotFoundError,
    409: PaymoConflictError,
    422: PaymoRequestError,
}


def error_for_status(status: int, message: str, *, method: str, path: str) -> PaymoError:
    """The error class Paymo's status code calls for."""
    if status in _BY_STATUS:
        return _BY_STATUS[status](message, status=status, method=method, path=path)
    if status >= 500:
        return PaymoUnavailableError(message, status=status, method=method, path=path)
    return PaymoRequestError(message, status=status, method=method, path=path)
