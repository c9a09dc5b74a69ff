"""The /__sandbox/ controls: rate limit, injected faults (incl. dropped connections), request log, reset."""

from __future__ import annotations

import time

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox
from tests.sandbox.conftest import many, message, one

pytestmark = pytest.mark.anyio


async def test_every_api_response_carries_the_rate_limit_headers(api: httpx.AsyncClient) -> None:
    for response in (
        await api.get("clients"),
        await api.get("clients/999999"),
        await api.post("clients", json={}),
    ):
        assert response.headers["X-Ratelimit-Limit"] == "1000"
        assert int(response.headers["X-Ratelimit-Remaining"]) < 1000
        assert response.headers["X-Ratelimit-Decay-Period"] == "5"


async def test_over_the_limit_is_429_with_retry_after_until_the_window_ends(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    assert (await control.post("rate_limit", json={"limit": 3, "period_s": 1})).status_code == 200
    remaining = [int((await api.get("me")).headers["X-Ratelimit-Remaining"]) for _ in range(3)]
    assert remaining == [2, 1, 0]
    refused = await api.get("me")
    assert message(refused, 429) == "Too Many Requests"
    assert refused.headers["Retry-After"] == "1" and refused.headers["X-Ratelimit-Remaining"] == "0"
    message(await api.post("clients", json={"name": "x"}), 429)
    time.sleep(1.05)
    assert (await api.get("me")).status_code == 200, "a new window opens after the period"


async def test_a_fault_answers_its_status_for_the_given_number_of_matching_requests(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    fault = {"method": "GET", "path_prefix": "/api/clients", "status": 503, "times": 2}
    assert (await control.post("faults", json=fault)).json()["faults"][0]["times"] == 2
    assert (await api.get("me")).status_code == 200, "other paths are untouched"
    assert (await api.post("clients", json={"name": "Not a GET"})).status_code == 201
    assert message(await api.get("clients"), 503) == "Injected fault"
    assert message(await api.get("clients/1"), 503) == "Injected fault"
    assert (await api.get("clients")).status_code == 200
    assert (await control.get("faults")).json()["faults"] == []


async def test_a_fault_can_carry_retry_after_and_a_delay(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    await control.post("faults", json={"status": 429, "retry_after": 2, "delay_s": 0.2})
    started = time.monotonic()
    response = await api.get("clients")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert "X-Ratelimit-Limit" in response.headers


async def test_a_fault_is_never_applied_to_writes_when_the_method_does_not_match(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    await control.post("faults", json={"method": "DELETE", "status": 500, "times": None})
    for _ in range(3):
        message(await api.delete("clients/1"), 500)
    assert (await api.get("clients/1")).status_code == 200, "the injected failures did not delete"
    await control.delete("faults")
    assert (await api.delete("clients/1")).status_code == 200


async def test_reset_fault_processes_the_write_then_drops_the_connection_in_process(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    await control.post("faults", json={"method": "POST", "path_prefix": "/api/clients", "reset": True})
    with pytest.raises(httpx.RemoteProtocolError):
        await api.post("clients", json={"name": "Ambiguous Ltd"})
    names = [c["name"] for c in many(await api.get("clients"), "clients")]
    assert "Ambiguous Ltd" in names, "the write happened although the client saw an error"
    log = (await control.get("requests")).json()
    assert log[0]["status"] == 201 and log[0]["dropped"] is True


async def test_bad_fault_settings_are_refused(control: httpx.AsyncClient) -> None:
    assert (await control.post("faults", json={"status": 42})).status_code == 400
    assert (await control.post("faults", json={"tims": 2})).status_code == 400
    assert (await control.post("faults", json={"path_prefix": "api"})).status_code == 400


async def test_the_request_log_lists_api_requests_only(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    await api.get("clients", params={"page": 0, "page_size": 5})
    await api.post("clients", json={})
    await control.get("faults")
    log = (await control.get("requests")).json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/api/clients", 200),
        ("POST", "/api/clients", 400),
    ]
    assert log[0]["query"] == "page=0&page_size=5" and isinstance(log[0]["time"], float)
    await control.delete("requests")
    assert (await control.get("requests")).json() == []


async def test_reset_restores_the_seed_and_clears_every_knob(
    sandbox: Sandbox, api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    before = many(await api.get("clients"), "clients")
    await api.delete("clients/1")
    one(await api.post("clients", json={"name": "Extra"}), "clients", 201)
    await control.post("faults", json={"status": 500, "times": None})
    await control.post("rate_limit", json={"limit": 1, "period_s": 60})
    assert (await control.post("reset")).status_code == 200
    assert (await control.get("requests")).json() == []
    after = many(await api.get("clients"), "clients")
    assert after == before
    assert (await api.get("me")).headers["X-Ratelimit-Limit"] == "1000"
    created = one(await api.post("clients", json={"name": "Again"}), "clients", 201)
    assert created["id"] == before[-1]["id"] + 1, "ids start over after a reset"


async def test_a_fault_with_an_infinite_retry_after_is_listed_and_sent_as_infinity(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    armed = await control.post(
        "faults",
        content=b'{"status": 429, "retry_after": Infinity}',
        headers={"Content-Type": "application/json"},
    )
    assert armed.status_code == 200 and armed.json()["faults"][0]["retry_after"] == "Infinity"
    response = await api.get("clients")
    assert response.status_code == 429 and response.headers["Retry-After"] == "Infinity"
