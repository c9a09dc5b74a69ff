"""The shared async Paymo client and its error tree; no resource module talks HTTP by itself."""

from paymo_mcp.client.errors import (
    PaymoAuthError,
    PaymoConflictError,
    PaymoCreatedUnreadableError,
    PaymoError,
    PaymoForbiddenError,
    PaymoNotFoundError,
    PaymoOutcomeUnknownError,
    PaymoRateLimitError,
    PaymoRequestError,
    PaymoResponseError,
    PaymoUnavailableError,
)
from paymo_mcp.client.paymo import DEFAULT_BASE_URL, MAX_LIMIT, PaymoClient
from paymo_mcp.client.query import Condition, build_include, build_where, format_value
from paymo_mcp.client.retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_LIMIT",
    "Condition",
    "PaymoAuthError",
    "PaymoClient",
    "PaymoConflictError",
    "PaymoCreatedUnreadableError",
    "PaymoError",
    "PaymoForbiddenError",
    "PaymoNotFoundError",
    "PaymoOutcomeUnknownError",
    "PaymoRateLimitError",
    "PaymoRequestError",
    "PaymoResponseError",
    "PaymoUnavailableError",
    "RetryPolicy",
    "build_include",
    "build_where",
    "format_value",
]
