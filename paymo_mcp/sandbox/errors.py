"""The one error type of the sandbox: an HTTP status and Paymo's `{"message": ...}` body."""

from __future__ import annotations


class ApiError(Exception):
    """A request Paymo would refuse; rendered as `status` + `{"message": message}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def unknown_reference(name: str) -> ApiError:
    """Paymo's answer to an include, field or filter it does not know (paymo-api.md §4)."""
    return ApiError(400, f"Unknown field or reference: `{name}`")


def not_found(resource: str, record_id: object) -> ApiError:
    return ApiError(404, f"Not found: there is no {resource} record with id {record_id}")
