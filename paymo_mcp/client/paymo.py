"""The one async Paymo client a server shares: auth, envelopes, errors, retries, pacing and paging."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from paymo_mcp import __version__
from paymo_mcp.client.errors import (
    PaymoCreatedUnreadableError,
    PaymoError,
    PaymoOutcomeUnknownError,
    PaymoRateLimitError,
    PaymoResponseError,
    PaymoUnavailableError,
    error_for_status,
)
from paymo_mcp.client.pacing import RateLimitPacer, RateLimitWait, Ticket
from paymo_mcp.client.query import includes_children
from paymo_mcp.client.retry import NOT_SENT, RetryPolicy, parse_retry_after

logger = logging.getLogger(__name__)

SIGN_IN_AGAIN = "Paymo no longer accepts your API key: sign in again (reconnect) with a working key."
DEFAULT_BASE_URL = "https://app.paymoapp.com/api/"
MAX_PAGE_SIZE = 500  # Paymo's maintainers advise ~100; its hard cap per response is 2500
# With included children: Paymo empties them past 2,500 per type in one answer (paymo-org/api#68).
INCLUDE_PAGE_SIZE = 100
MAX_LIMIT = 2500
# Set on a response when an earlier try of the same request may have reached Paymo (its answer was lost).
ANSWER_LOST = "paymo_mcp.answer_lost"
# Set on a create's answer whose status and headers came but whose body was lost on the way.
BODY_LOST = "paymo_mcp.body_lost"


def _message(response: httpx.Response) -> str:
    """Paymo's `{"message": ...}`, or a short description of whatever came instead."""
    text = response.text
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    if not text.strip():
        return f"empty response body (HTTP {response.status_code} {response.reason_phrase})"
    kind = response.headers.get("content-type", "unknown type").split(";")[0]
    return f"non-JSON {kind} response (HTTP {response.status_code} {response.reason_phrase})"


def created_id(response: httpx.Response) -> int | None:
    """The new record's id from a create's `201` and `Location` header (`.../<resource>/<id>`), or None."""
    if response.status_code != 201 or response.request.method != "POST":
        return None
    tail = urlsplit(response.headers.get("location", "")).path.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isascii() and tail.isdigit() and 0 < len(tail) < 19 and int(tail) > 0 else None


def _unreadable(response: httpx.Response) -> str:
    """Why a success answer could not be read, without quoting it (it may be huge, or HTML)."""
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    looks_json = "json" in kind or response.content.lstrip()[:1] in (b"{", b"[")
    why = "cut off or malformed; " if looks_json else ""
    return (
        f"the answer is not valid JSON ({why}{kind}, {len(response.content)} bytes, "
        f"HTTP {response.status_code} {response.reason_phrase})"
    )


@dataclass(frozen=True)
class Walk:
    """Records of a list in Paymo's order, and whether they reach its end."""

    records: list[dict[str, Any]]
    exhausted: bool


class PaymoClient:
    """Async Paymo API client. Create once, use everywhere, close once (`async with`)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        password: str = "X",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        pace: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url.endswith("/"):
            base_url += "/"
        self.base_url = base_url
        self.retry = retry or RetryPolicy()
        self.pacer = RateLimitPacer() if pace else None
        self.requests_sent = 0
        # Called when Paymo answers 401 (the key no longer works): multi-user mode ends the sign-in then,
        # and the error tells the person to sign in again rather than to fix a server setting.
        self.on_unauthorized: Callable[[], None] | None = None
        self._options: dict[str, Any] = {
            "base_url": base_url,
            "auth": httpx.BasicAuth(api_key, password),
            "timeout": httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            "headers": {"Accept": "application/json", "User-Agent": f"paymo-mcp/{__version__}"},
            "transport": transport,
            "follow_redirects": False,
            # Idle connections are dropped before a server's keep-alive timeout (often 5 s) can close
            # them under a request: a create sent on such a connection would end "outcome unknown".
            "limits": httpx.Limits(max_connections=20, max_keepalive_connections=20, keepalive_expiry=4.0),
        }
        self._opened: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use: its TLS context costs a cold start ~50 ms otherwise."""
        if self._opened is None:
            self._opened = httpx.AsyncClient(**self._options)
        return self._opened

    def __repr__(self) -> str:
        return f"PaymoClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> PaymoClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._opened is not None:
            await self._opened.aclose()
            self._opened = None

    # -- transport ---------------------------------------------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request with pacing and the retry policy; return the final response as is.

        Raises for transport failures: PaymoUnavailableError when nothing was applied,
        PaymoOutcomeUnknownError when a non-idempotent request may have been; and PaymoRateLimitError,
        without sending, when Paymo's rate limit leaves no room within the time budget.
        """
        method = method.upper()
        shown = "/" + path.lstrip("/")
        # The wait for the rate limit may take the whole time budget, and so may the retries after the
        # first send: waiting for the rate limit is not retrying. No single wait is ever longer.
        deadline = time.monotonic() + self.retry.budget_s
        started: float | None = None
        attempt = 0
        lost = False  # an earlier try may have been applied
        while True:
            attempt += 1
            ticket = await self._pace(deadline, method, shown)
            if started is None:
                started = time.monotonic()
                deadline = started + self.retry.budget_s
            try:
                self.requests_sent += 1
                response = await self._exchange(
                    method, path, params=params, json=json_body, headers=headers, content=content
                )
            except httpx.TransportError as exc:
                self._abandon(ticket)
                lost = lost or not isinstance(exc, NOT_SENT)
                retry = self.retry.may_retry_exception(method, exc)
                if retry and self._time_left(started, attempt, None):
                    await anyio.sleep(self.retry.delay(attempt))
                    continue
                kind = type(exc).__name__
                if isinstance(exc, NOT_SENT) or method in ("GET", "HEAD", "OPTIONS"):
                    raise PaymoUnavailableError(
                        f"could not reach Paymo ({kind})", method=method, path=shown
                    ) from None
                what = (
                    "no answer came in time"
                    if isinstance(exc, httpx.TimeoutException)
                    else "the connection failed"
                )
                raise PaymoOutcomeUnknownError(
                    f"{what} after the request was sent ({kind})", method=method, path=shown
                ) from None
            except BaseException:
                # Cancelled (or worse) while waiting for the answer: the pacer must not wait for it.
                self._abandon(ticket)
                raise
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if self.pacer and ticket:
                self.pacer.observe(
                    ticket, response.headers, retry_after if response.status_code == 429 else None
                )
            if self.retry.may_retry_status(method, response.status_code):
                delay = self.retry.delay(attempt, retry_after)
                if self._time_left(started, attempt, delay):
                    logger.info("Paymo %s %s -> %s, retrying", method, path, response.status_code)
                    await anyio.sleep(delay)
                    continue
            if lost:
                response.extensions[ANSWER_LOST] = True
            return response

    async def _pace(self, deadline: float, method: str, shown: str) -> Ticket | None:
        """The pacer's permission to send, or a rate-limit error at once when it cannot come in time."""
        if self.pacer is None:
            return None
        try:
            return await self.pacer.acquire(deadline)
        except RateLimitWait as wait:
            raise PaymoRateLimitError(
                f"not sent: Paymo's rate limit allows the next request only past this call's "
                f"{self.retry.budget_s:g} s time budget",
                retry_after=wait.wait_s,
                method=method,
                path=shown,
            ) from None

    def _abandon(self, ticket: Ticket | None) -> None:
        if self.pacer and ticket:
            self.pacer.abandon(ticket)

    async def _exchange(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One HTTP exchange, body read in full. A create whose body is lost after Paymo's `201` and
        `Location` came back is an answer without a body (flagged BODY_LOST), not a lost request."""
        request = self._http.build_request(method, path, **options)
        response = await self._http.send(request, stream=True)
        try:
            await response.aread()
        except httpx.TransportError:
            if created_id(response) is None:
                raise
            logger.info("Paymo %s %s -> 201 with Location, body lost on the way", method, path)
            return httpx.Response(
                response.status_code, headers=response.headers, request=request, extensions={BODY_LOST: True}
            )
        finally:
            await response.aclose()
        return response

    def _time_left(self, started: float, attempt: int, delay: float | None) -> bool:
        if attempt >= self.retry.max_tries:
            return False
        spent = time.monotonic() - started
        return spent + (delay or 0.0) <= self.retry.budget_s

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> Any:
        """Send a request and return its parsed JSON body, raising the PaymoError its status means."""
        response = await self.send(method, path, params=params, json_body=json_body)
        return self._decode(response, method.upper(), "/" + path.lstrip("/"))

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        """The parsed JSON body of an answer, or the PaymoError its status means."""
        if response.status_code == 404 and method == "DELETE" and response.extensions.get(ANSWER_LOST):
            # The try whose answer was lost deleted the record: a retry finding it gone is success.
            logger.info("Paymo DELETE %s: gone after a lost answer, taken as deleted", path)
            return {}
        if response.status_code >= 400:
            message = _message(response)
            if response.status_code == 429:
                raise PaymoRateLimitError(
                    message,
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                    status=429,
                    method=method,
                    path=path,
                )
            error = error_for_status(response.status_code, message, method=method, path=path)
            if response.status_code == 401 and self.on_unauthorized is not None:
                self.on_unauthorized()
                error.hint = SIGN_IN_AGAIN
            raise error
        if response.extensions.get(BODY_LOST):
            unreadable = "the connection broke while its body was being read"
        elif not response.content.strip():
            if response.status_code != 201:
                return {}
            unreadable = "its body is empty"
        else:
            try:
                return response.json()
            except ValueError:
                unreadable = _unreadable(response)
        if response.status_code == 201:
            # Paymo made the record: "try again" would make a second one.
            raise PaymoCreatedUnreadableError(
                unreadable, record_id=created_id(response), method=method, path=path
            )
        raise PaymoResponseError(unreadable, method=method, path=path)

    # -- resource helpers --------------------------------------------------------------------

    @staticmethod
    def _unwrap(body: Any, key: str, method: str, path: str) -> list[dict[str, Any]]:
        records = body.get(key) if isinstance(body, dict) else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            got = ""
            if isinstance(body, dict):
                got = f" (got {', '.join(list(body)[:5])})" if body else " (got an empty answer)"
            raise PaymoResponseError(
                f"expected a {key!r} list in the response{got}", method=method, path="/" + path.lstrip("/")
            )
        return records

    async def page(
        self, path: str, key: str, *, params: Mapping[str, Any], page: int, page_size: int
    ) -> list[dict[str, Any]]:
        """One page of a list: `params` (where, include, order) plus `page`/`page_size`."""
        body = await self.request("GET", path, params={**params, "page": page, "page_size": page_size})
        return self._unwrap(body, key, "GET", path)

    async def list(self, path: str, key: str, **options: Any) -> list[dict[str, Any]]:
        """The records of `walk` (same options: where, include, order, limit, page_size, on_page, ...)."""
        return (await self.walk(path, key, **options)).records

    async def walk(
        self,
        path: str,
        key: str,
        *,
        where: str | None = None,
        include: str | None = None,
        order: str | None = None,
        limit: int = 50,
        offset: int = 0,
        page_size: int | None = None,
        enough: Callable[[Sequence[dict[str, Any]]], bool] | None = None,
        on_page: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> Walk:
        """Up to `limit` records after the first `offset`, and whether Paymo has none beyond them; fetched
        page by page (`page`/`page_size`), never more pages than needed. `on_page(fetched, limit)` runs
        after each page (progress notifications for long lists). Stops early, between pages, once
        `enough(records so far)` is true (then `exhausted` is false).
        """
        limit = max(1, min(limit, MAX_LIMIT + 1))  # one past the largest limit: to see if more exist
        size = min(page_size or (INCLUDE_PAGE_SIZE if includes_children(include) else MAX_PAGE_SIZE), limit)
        params: dict[str, Any] = {}
        for name, value in (("where", where), ("include", include), ("order", order)):
            if value:
                params[name] = value
        out: list[dict[str, Any]] = []
        page, skip = divmod(max(0, offset), size)
        exhausted = False
        while len(out) < limit:
            records = await self.page(path, key, params=params, page=page, page_size=size)
            out.extend(records[skip : skip + limit - len(out)])
            skip = 0
            exhausted = len(records) < size
            last = exhausted or len(out) >= limit or (enough is not None and enough(out))
            if on_page is not None:
                # Every page reports; the last one with the true total, so progress ends at 100 %.
                await on_page(len(out), len(out) if last else limit)
            if last:
                break
            page += 1
        return Walk(out, exhausted)

    async def get(self, path: str, key: str, record_id: int, *, include: str | None = None) -> dict[str, Any]:
        params = {"include": include} if include else None
        item_path = f"{path}/{record_id}"
        return self._one(await self.request("GET", item_path, params=params), key, "GET", item_path)

    async def create(self, path: str, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response = await self.send("POST", path, json_body=dict(body))
        try:
            return self._one(self._decode(response, "POST", "/" + path.lstrip("/")), key, "POST", path)
        except (PaymoCreatedUnreadableError, PaymoResponseError) as unreadable:
            if response.status_code != 201:
                raise
            reason = (
                unreadable.reason
                if isinstance(unreadable, PaymoCreatedUnreadableError)
                else unreadable.message
            )
            return await self._reread_created(path, key, response, reason)

    async def _reread_created(
        self, path: str, key: str, response: httpx.Response, reason: str
    ) -> dict[str, Any]:
        """A create Paymo confirmed (201) whose answer is unreadable: the record, by its Location's id.

        Never "try again": that would make a duplicate. If the re-read fails too, the error says so.
        """
        made = created_id(response)
        if made is None:
            reason += "; it named no id (no usable Location header)"
        else:
            try:
                record = await self.get(path, key, made)
            except PaymoError as exc:
                reason += f"; reading it back by id failed too ({exc.message})"
            else:
                logger.info("Paymo POST /%s: answer unreadable, record %s read back", path, made)
                return record
        raise PaymoCreatedUnreadableError(reason, record_id=made, method="POST", path="/" + path.lstrip("/"))

    async def update(self, path: str, key: str, record_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        # PUT, not POST: Paymo accepts both, and PUT is idempotent, so a lost answer can be retried.
        item_path = f"{path}/{record_id}"
        return self._one(await self.request("PUT", item_path, json_body=dict(body)), key, "PUT", item_path)

    async def delete(self, path: str, record_id: int) -> None:
        await self.request("DELETE", f"{path}/{record_id}")

    async def read_one(self, path: str, key: str) -> dict[str, Any]:
        """GET a singleton: its one record, whether Paymo wraps it in a list (`me`) or not (`company`)."""
        body = await self.request("GET", path)
        if isinstance(body, dict) and isinstance(body.get(key), dict):
            return dict(body[key])
        return self._one(body, key, "GET", path)

    def unwrap_one(self, body: Any, key: str, method: str, path: str) -> dict[str, Any]:
        """The single record of a get/create/update envelope (Paymo wraps even one record in a list)."""
        return self._one(body, key, method, path)

    def _one(self, body: Any, key: str, method: str, path: str) -> dict[str, Any]:
        records = self._unwrap(body, key, method, path)
        if not records:
            raise PaymoResponseError(f"the {key!r} list in the response is empty", method=method, path=path)
        return records[0]


__all__ = ["MAX_LIMIT", "PaymoClient", "PaymoError", "Walk"]
