"""The webhook endpoint: signed inserts are stored once, anything else is refused or ignored."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from paymo_mcp.watch import HookRecord, SqliteWatchStore, sign, webhook_routes
from tests.watch.receiver_client import SECRET, TASK_HOOK, Receiver
from tests.watch.watch_records import make_record

pytestmark = pytest.mark.anyio


async def taken(store: SqliteWatchStore, limit: int = 1000) -> list[int]:
    return [r["id"] for r in (await store.take("tasks", "w", limit)).records]


async def test_a_signed_insert_is_stored_and_subscribers_are_told(receiver: Receiver) -> None:
    response = await receiver.deliver(make_record(1, project={"name": "P"}))
    assert (response.status_code, response.json()) == (200, {"status": "stored"})
    assert receiver.notified == ["tasks"]
    [record] = (await receiver.store.take("tasks", "w", 10)).records
    assert record["project"] == {"name": "P"}


async def test_a_replayed_delivery_is_stored_once(receiver: Receiver) -> None:
    record = make_record(1)
    first, again = await receiver.deliver(record), await receiver.deliver(record)
    assert (first.json(), again.json()) == ({"status": "stored"}, {"status": "duplicate"})
    assert again.status_code == 200  # Paymo must not keep retrying it
    assert receiver.notified == ["tasks"]
    assert await taken(receiver.store) == [1]


async def test_out_of_order_deliveries_are_all_taken_oldest_first(receiver: Receiver) -> None:
    for i in (3, 1, 2):
        assert (await receiver.deliver(make_record(i, offset_s=i))).status_code == 200
    assert await taken(receiver.store) == [1, 2, 3]


@pytest.mark.parametrize(
    ("secret", "hook_id"),
    [(None, 11), ("not-the-secret", 11), ("not-the-secret", None), ("", 11)],
    ids=["unsigned", "forged", "forged-without-hook-id", "empty-secret"],
)
async def test_unsigned_or_forged_deliveries_are_refused(
    receiver: Receiver, secret: str | None, hook_id: int | None
) -> None:
    response = await receiver.deliver(make_record(1), secret=secret, hook_id=hook_id)
    assert response.status_code == 401
    assert "message" in response.json()
    assert await taken(receiver.store) == []
    assert receiver.notified == []


async def test_a_body_changed_after_signing_is_refused(receiver: Receiver) -> None:
    raw = b'{"id":1,"name":"a"}'
    response = await receiver.http.post(
        "/webhooks/paymo/tasks",
        content=b'{"id":1,"name":"b"}',
        headers={"X-Paymo-Event": "model.insert.Task", "X-Paymo-Signature": sign(SECRET, raw)},
    )
    assert response.status_code == 401


async def test_the_signature_is_checked_over_the_raw_bytes(receiver: Receiver) -> None:
    # Same JSON value, different bytes than were signed: refused; the exact bytes: accepted.
    raw = b'{ "id": 5, "created_on": null }'
    headers = {"X-Paymo-Event": "model.insert.Task", "X-Paymo-Signature": sign(SECRET, raw)}
    assert (
        await receiver.http.post("/webhooks/paymo/tasks", content=raw, headers=headers)
    ).status_code == 200
    compact = json.dumps(json.loads(raw), separators=(",", ":")).encode()
    assert (
        await receiver.http.post("/webhooks/paymo/tasks", content=compact, headers=headers)
    ).status_code == 401


async def test_a_resource_without_a_registered_hook_refuses_deliveries(receiver: Receiver) -> None:
    response = await receiver.deliver(make_record(1), resource="projects", event="model.insert.Project")
    assert response.status_code == 401
    assert "projects" in response.json()["message"]


async def test_an_unknown_resource_is_not_found(receiver: Receiver) -> None:
    assert (await receiver.deliver(make_record(1), resource="users")).status_code == 404


async def test_a_hook_named_by_its_id_is_checked_with_its_own_secret(receiver: Receiver) -> None:
    await receiver.store.save_hook(
        HookRecord("tasks", 12, "model.insert.Task", "https://other.example/x", SecretStr("second"))
    )
    assert (await receiver.deliver(make_record(1), secret="second", hook_id=12)).status_code == 200
    assert (await receiver.deliver(make_record(2), secret=SECRET, hook_id=12)).status_code == 401
    # Without a hook id, any hook of the resource may have signed it (e.g. while a secret rotates).
    assert (await receiver.deliver(make_record(3), secret="second", hook_id=None)).status_code == 200
    assert await taken(receiver.store) == [1, 3]


@pytest.mark.parametrize(
    "event", ["model.update.Task", "model.delete.Task", "model.insert.Project", "model.start.Entry", None]
)
async def test_deliveries_that_are_not_inserts_of_the_resource_are_ignored(
    receiver: Receiver, event: str | None
) -> None:
    response = await receiver.deliver(make_record(1), event=event)
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert await taken(receiver.store) == []


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1,2]", b'{"name":"no id"}', b'{"id":"x"}', b"\xff\xfe"], ids=repr
)
async def test_bodies_that_are_not_a_record_are_bad_requests(receiver: Receiver, body: bytes) -> None:
    response = await receiver.deliver(None, body=body)
    assert response.status_code == 400
    assert "message" in response.json()


async def test_bodies_over_one_mebibyte_are_refused(receiver: Receiver) -> None:
    big = make_record(1, description="x" * (1024 * 1024))
    assert (await receiver.deliver(big)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit must hold while streaming too.
        for _ in range(20):
            yield b" " * 65536

    response = await receiver.http.post("/webhooks/paymo/tasks", content=chunks())
    assert response.status_code == 413
    assert await taken(receiver.store) == []


async def test_a_failing_subscriber_does_not_fail_the_delivery(
    store: SqliteWatchStore, caplog: pytest.LogCaptureFixture
) -> None:
    await store.save_hook(TASK_HOOK)
    await store.take("tasks", "w", 0)

    async def broken(resource: str) -> None:
        raise RuntimeError("subscriber gone")

    app = Starlette(routes=webhook_routes(store, broken))
    raw = json.dumps(make_record(1)).encode()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as http:
        response = await http.post(
            "/webhooks/paymo/tasks",
            content=raw,
            headers={"X-Paymo-Event": "model.insert.Task", "X-Paymo-Signature": sign(SECRET, raw)},
        )
    assert response.status_code == 200
    assert await taken(store) == [1]
    assert "notifying watchers" in caplog.text


async def test_the_secret_and_signatures_never_reach_logs_or_responses(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    record = make_record(1)
    signature = sign(SECRET, json.dumps(record, separators=(",", ":")).encode())
    responses = [
        await receiver.deliver(record),
        await receiver.deliver(record),
        await receiver.deliver(make_record(2), secret="wrong"),
        await receiver.deliver(None, body=b"{bad"),
    ]
    seen = caplog.text + "".join(r.text for r in responses) + repr(await receiver.store.list_hooks())
    assert SECRET not in seen
    assert signature.removeprefix("sha1=") not in seen


async def test_a_burst_of_500_deliveries_is_stored_in_well_under_10s_with_none_lost(
    receiver: Receiver,
) -> None:
    ids = list(range(10_000, 10_500))
    rng = random.Random(11)
    records = [make_record(i, offset_s=rng.randrange(0, 10)) for i in ids]
    rng.shuffle(records)
    replays = rng.sample(records, 50)  # Paymo may deliver some twice
    statuses: list[int] = []

    async def send(record: dict[str, Any]) -> None:
        statuses.append((await receiver.deliver(record)).status_code)

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for record in records + replays:
            tg.start_soon(send, record)
    elapsed = time.perf_counter() - started
    print(f"\nburst: {len(records)} deliveries + {len(replays)} repeats stored in {elapsed:.2f} s")

    assert statuses == [200] * 550
    assert elapsed < 30  # 0.8 s on a quiet machine; the margin is for a busy one (figures: bench/)
    got = await taken(receiver.store)
    assert got == [r["id"] for r in sorted(records, key=lambda r: (r["created_on"], r["id"]))]
    assert len(got) == len(set(got))
    assert receiver.notified.count("tasks") == 500
