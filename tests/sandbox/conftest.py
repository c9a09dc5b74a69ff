"""Fixtures for the sandbox's own tests: a fresh in-process sandbox per test and an httpx client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox, create_app

BASE = "http://sandbox.test/api/"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> Sandbox:
    return create_app()


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """Authenticated as the Admin whose API key the sandbox was made with."""
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, auth=(sandbox.api_key, "X")) as client:
        yield client


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """The /__sandbox/ control endpoints (no auth)."""
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test/__sandbox/") as client:
        yield client


def one(response: httpx.Response, key: str, status: int = 200) -> dict[str, Any]:
    """The single record of a get/create/update envelope, after checking the status."""
    assert response.status_code == status, response.text
    records = response.json()[key]
    assert isinstance(records, list) and len(records) == 1, records
    record: dict[str, Any] = records[0]
    return record


def many(response: httpx.Response, key: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()[key]
    return records


def message(response: httpx.Response, status: int) -> str:
    """The `message` of an error response, after checking its status and shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message"}, body
    text: str = body["message"]
    return text
