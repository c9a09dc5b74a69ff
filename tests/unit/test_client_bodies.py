"""Bodies the sandbox cannot produce (HTML, truncated JSON, empty) become clear errors.

A mock transport is used only here, for faults no real Paymo-like server on loopback would send.
"""

from collections.abc import Callable

import httpx
import pytest

from paymo_mcp.client import (
    PaymoAuthError,
    PaymoClient,
    PaymoCreatedUnreadableError,
    PaymoNotFoundError,
    PaymoRequestError,
    PaymoResponseError,
    PaymoUnavailableError,
    RetryPolicy,
)

pytestmark = pytest.mark.anyio
KEY = "canary-key-7f3a"


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> PaymoClient:
    return PaymoClient(
        KEY,
        "http://paymo.test/api/",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_tries=2, base_delay_s=0.01),
    )


async def test_html_error_page_is_described_not_dumped() -> None:
    html = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 5000 + "</body></html>"
    async with client_for(lambda r: httpx.Response(502, html=html)) as c:
        with pytest.raises(PaymoUnavailableError) as caught:
            await c.get("tasks", "tasks", 1)
    text = str(caught.value)
    assert "non-JSON text/html response (HTTP 502" in text
    assert "<html>" not in text and len(text) < 300


async def test_truncated_json_in_a_success_is_a_response_error() -> None:
    async with client_for(lambda r: httpx.Response(200, text='{"tasks": [{"id": 1, "na')) as c:
        with pytest.raises(PaymoResponseError, match="not valid JSON"):
            await c.get("tasks", "tasks", 1)


async def test_empty_error_body_still_says_what_happened() -> None:
    async with client_for(lambda r: httpx.Response(404, content=b"")) as c:
        with pytest.raises(PaymoNotFoundError, match="empty response body"):
            await c.get("tasks", "tasks", 9)


async def test_missing_envelope_key_is_a_response_error() -> None:
    async with client_for(lambda r: httpx.Response(200, json={"projects": []})) as c:
        with pytest.raises(PaymoResponseError, match="'tasks' list"):
            await c.get("tasks", "tasks", 1)


async def test_paymo_message_is_carried_and_the_key_never_is() -> None:
    body = {"message": "Missing required params: name"}
    async with client_for(lambda r: httpx.Response(400, json=body)) as c:
        with pytest.raises(PaymoRequestError) as caught:
            await c.create("tasks", "tasks", {"project_id": 1})
    err = caught.value
    assert (err.status, err.method, err.path) == (400, "POST", "/tasks")
    assert "Missing required params: name" in str(err)
    assert KEY not in str(err) and KEY not in repr(err) and KEY not in repr(c)


async def test_auth_failure_says_which_setting_to_fix() -> None:
    async with client_for(lambda r: httpx.Response(401, json={"message": "Unauthorized"})) as c:
        with pytest.raises(PaymoAuthError, match="PAYMO_API_KEY"):
            await c.get("me", "users", 1)


async def test_a_201_without_a_location_and_an_unreadable_body_says_it_was_created() -> None:
    """No id to re-read by, but 201 means Paymo made it: the error must not invite a duplicate."""
    sent: list[str] = []

    def created(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        cut = b'{"clients": [{"id": 9, "na'
        return httpx.Response(201, content=cut, headers={"content-type": "application/json"})

    async with client_for(created) as c:
        with pytest.raises(PaymoCreatedUnreadableError) as caught:
            await c.create("clients", "clients", {"name": "x"})
    text = str(caught.value)
    assert sent == ["POST"]
    assert "it WAS created (HTTP 201)" in text and "no usable Location header" in text
    assert "Do not create it again, which would make a duplicate: list the records to find it." in text


@pytest.mark.parametrize(
    "location", [b"https://app.paymoapp.com/api/clients/abc", "/api/clients/\u00b2".encode("latin-1"), b""]
)
async def test_a_location_without_a_plain_id_is_not_followed(location: bytes) -> None:
    def created(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST", "nothing is re-read without an id"
        return httpx.Response(201, content=b"", headers={"location": location})

    async with client_for(created) as c:
        with pytest.raises(PaymoCreatedUnreadableError, match="no usable Location header"):
            await c.create("clients", "clients", {"name": "x"})
