"""RetryPolicy: which failures are retried for which method, and how long it waits (bounded, jittered)."""

import httpx
import pytest

from paymo_mcp.client.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 8, 20])
def test_backoff_is_exponential_with_jitter_inside_half_to_full_ceiling(attempt: int) -> None:
    policy = RetryPolicy(base_delay_s=0.25, max_delay_s=2.0)
    ceiling = min(2.0, 0.25 * 2 ** (attempt - 1))
    delays = [policy.delay(attempt) for _ in range(500)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(set(delays)) > 100, "no jitter: concurrent clients would retry in lockstep"


def test_the_ceiling_never_passes_max_delay() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=3.0)
    assert max(policy.delay(a) for a in range(1, 60) for _ in range(20)) <= 3.0


def test_retry_after_replaces_the_backoff() -> None:
    policy = RetryPolicy(base_delay_s=0.25, max_delay_s=1.0)
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert policy.delay(5, retry_after=0.0) == 0.0
    assert policy.delay(2, retry_after=-3.0) == 0.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-2", 0.0),
        (None, None),
        ("", None),
        ("86400", 86400.0),
        ("Infinity", None),  # says nothing usable: not a wait forever
        ("nan", None),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_an_http_date_retry_after_is_ignored_not_fatal() -> None:
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_methods_retry_the_retryable_statuses(method: str, status: int) -> None:
    assert RetryPolicy.may_retry_status(method, status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 500, 501])
def test_other_statuses_are_final(status: int) -> None:
    assert not any(RetryPolicy.may_retry_status(m, status) for m in ("GET", "PUT", "DELETE", "POST"))


def test_a_post_is_retried_only_on_429() -> None:
    assert RetryPolicy.may_retry_status("POST", 429)
    assert not any(RetryPolicy.may_retry_status("POST", s) for s in (502, 503, 504))


REQUEST = httpx.Request("POST", "http://paymo.test/api/clients")
NOT_SENT = [httpx.ConnectError("refused", request=REQUEST), httpx.ConnectTimeout("t", request=REQUEST)]
MAYBE_SENT = [
    httpx.ReadTimeout("t", request=REQUEST),
    httpx.WriteTimeout("t", request=REQUEST),
    httpx.RemoteProtocolError("dropped", request=REQUEST),
    httpx.ReadError("reset", request=REQUEST),
]


@pytest.mark.parametrize("exc", NOT_SENT, ids=lambda e: type(e).__name__)
def test_failures_before_sending_are_retried_for_every_method(exc: Exception) -> None:
    assert all(RetryPolicy.may_retry_exception(m, exc) for m in ("GET", "PUT", "DELETE", "POST"))


@pytest.mark.parametrize("exc", MAYBE_SENT, ids=lambda e: type(e).__name__)
def test_failures_after_sending_are_retried_except_for_post(exc: Exception) -> None:
    assert all(RetryPolicy.may_retry_exception(m, exc) for m in ("GET", "PUT", "DELETE"))
    assert not RetryPolicy.may_retry_exception("POST", exc)
