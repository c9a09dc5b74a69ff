"""Webhooks like Paymo's (paymo-api.md §9): hook CRUD, matching, signed deliveries off the request path."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox, SandboxServer
from paymo_mcp.sandbox.webhooks import signature
from tests.sandbox.conftest import BASE, many, message, one

pytestmark = pytest.mark.anyio


class Receiver:
    """A webhook target on loopback that records deliveries and answers `status` (after `delay_s`)."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self.status = 200
        self.delay_s = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay_s)
                receiver.deliveries.append(
                    {"headers": dict(self.headers), "raw": raw, "body": json.loads(raw)}
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        return [d["headers"]["X-Paymo-Event"] for d in self.deliveries]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    yield target
    target.close()


async def hook(api: httpx.AsyncClient, url: str, event: str, **extra: Any) -> dict[str, Any]:
    return one(await api.post("hooks", json={"target_url": url, "event": event, **extra}), "hooks", 201)


# -- the hooks resource ---------------------------------------------------------------------------


async def test_hooks_are_created_with_a_write_only_secret(api: httpx.AsyncClient, receiver: Receiver) -> None:
    created = await hook(api, receiver.url, "model.insert.Task", secret="s3cret", where="project_id=1")
    assert created["last_status_code"] is None and created["where"] == "project_id=1"
    assert "secret" not in created and "user_id" not in created
    listed = many(await api.get("hooks"), "hooks")
    assert [h["id"] for h in listed] == [created["id"]] and "secret" not in listed[0]


async def test_each_user_sees_only_their_own_hooks(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = await hook(api, receiver.url, "*")
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, auth=("sandbox-key-2", "X")) as maria:
        assert many(await maria.get("hooks"), "hooks") == []
        message(await maria.get(f"hooks/{created['id']}"), 404)


async def test_hook_validation(api: httpx.AsyncClient, receiver: Receiver) -> None:
    assert message(await api.post("hooks", json={}), 400) == "Missing required params: target_url, event"
    assert "event" in message(
        await api.post("hooks", json={"target_url": receiver.url, "event": "task.created"}), 400
    )
    assert "target_url" in message(await api.post("hooks", json={"target_url": "ftp://x", "event": "*"}), 400)
    bad_where = {"target_url": receiver.url, "event": "model.insert.Task", "where": "nonsense=1"}
    assert "where" in message(await api.post("hooks", json=bad_where), 400)
    wildcard = {"target_url": receiver.url, "event": "*.Task", "where": "nonsense=1"}
    assert (await api.post("hooks", json=wildcard)).status_code == 201, (
        "wildcard wheres are checked only on events"
    )
    for event in (
        "*",
        "model.insert.*",
        "model.delete.*",
        "*.Entry",
        "model.start.Entry",
        "model.update.Booking",
    ):
        await hook(api, receiver.url, event)


# -- deliveries -----------------------------------------------------------------------------------


async def test_an_insert_is_delivered_signed_with_the_object_at_the_root(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = await hook(api, receiver.url, "model.insert.Task", secret="s3cret")
    task = one(await api.post("tasks", json={"name": "Hooked", "tasklist_id": 1}), "tasks", 201)
    await sandbox.flush_webhooks()
    [delivery] = receiver.deliveries
    headers, raw, body = delivery["headers"], delivery["raw"], delivery["body"]
    assert headers["Content-Type"] == "application/json"
    assert (
        headers["X-Paymo-Webhook"] == str(created["id"]) and headers["X-Paymo-Event"] == "model.insert.Task"
    )
    expected = "sha1=" + hmac.new(b"s3cret", raw, hashlib.sha1).hexdigest()
    assert headers["X-Paymo-Signature"] == expected
    assert body["id"] == task["id"] and body["name"] == "Hooked" and "tasks" not in body
    assert body["project"] == {"name": "Website Redesign"} and body["tasklist"] == {"name": "Discovery"}
    assert body["progress_status"] == "not_started"
    assert one(await api.get(f"hooks/{created['id']}"), "hooks")["last_status_code"] == 200


def test_signature_matches_paymos_documented_example() -> None:
    assert signature("secret", b'{"id":"1679584"}') == "sha1=dc03736e396e70138bf7af4ffaa2948cde42dcf1"


async def test_no_secret_means_no_signature_header(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await hook(api, receiver.url, "model.insert.Client")
    await api.post("clients", json={"name": "Unsigned"})
    await sandbox.flush_webhooks()
    assert "X-Paymo-Signature" not in receiver.deliveries[0]["headers"]


async def test_wildcards_match_actions_and_models(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await hook(api, receiver.url, "*.Task")
    await hook(api, receiver.url, "model.insert.*")
    task = one(await api.post("tasks", json={"name": "Wild", "tasklist_id": 1}), "tasks", 201)
    await api.put(f"tasks/{task['id']}", json={"name": "Wilder"})
    await api.delete(f"tasks/{task['id']}")
    await sandbox.flush_webhooks()
    assert receiver.events() == [
        "model.insert.Task",
        "model.insert.Task",
        "model.update.Task",
        "model.delete.Task",
    ]
    assert receiver.deliveries[-1]["body"] == {"id": str(task["id"])}, "a delete carries only the id, as text"


async def test_a_hooks_where_filters_deliveries(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await hook(api, receiver.url, "model.insert.Task", where="project_id=2")
    await hook(api, receiver.url, "*.Task", where="this is not a where")
    await api.post("tasks", json={"name": "Elsewhere", "project_id": 1})
    wanted = one(await api.post("tasks", json={"name": "Here", "project_id": 2}), "tasks", 201)
    await sandbox.flush_webhooks()
    assert [d["body"]["id"] for d in receiver.deliveries] == [wanted["id"]]


async def test_deletes_match_the_where_before_the_record_is_gone(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await hook(api, receiver.url, "model.delete.Entry", where="project_id=1")
    await api.delete("tasks/1")  # its two entries go with it
    await api.delete("entries/9")  # project 3: not wanted
    await sandbox.flush_webhooks()
    assert sorted(d["body"]["id"] for d in receiver.deliveries) == ["1", "2"]


async def test_timers_send_start_and_stop_events(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await hook(api, receiver.url, "*.Entry")
    timer = one(
        await api.post("entries", json={"task_id": 6, "start_time": "2026-11-05T08:00:00Z"}), "entries", 201
    )
    await api.put(f"entries/{timer['id']}", json={"end_time": "2026-11-05T09:00:00Z"})
    await sandbox.flush_webhooks()
    assert receiver.events() == [
        "model.insert.Entry",
        "model.start.Entry",
        "model.update.Entry",
        "model.stop.Entry",
    ]
    assert receiver.deliveries[0]["body"]["task"] == {"name": "Set up CMS"}
    assert receiver.deliveries[0]["body"]["user"] == {"name": "Alex Admin"}


async def test_invoice_payload_carries_items_and_client_name(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await hook(api, receiver.url, "model.insert.Invoice")
    items = [{"item": "A", "price_unit": 10, "quantity": 3}]
    await api.post("invoices", json={"client_id": 2, "currency": "EUR", "items": items})
    await sandbox.flush_webhooks()
    body = receiver.deliveries[0]["body"]
    assert body["client"] == {"name": "Globex Ltd"} and [i["item"] for i in body["invoiceitems"]] == ["A"]
    assert body["total"] == 30, "the payload is the committed state, totals included"


async def test_a_410_answer_deletes_the_hook(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = await hook(api, receiver.url, "model.insert.Client")
    receiver.status = 410
    await api.post("clients", json={"name": "Gone 1"})
    await api.post("clients", json={"name": "Gone 2"})
    await sandbox.flush_webhooks()
    assert len(receiver.deliveries) == 1, "later deliveries of a deleted hook are dropped"
    message(await api.get(f"hooks/{created['id']}"), 404)


async def test_failures_are_recorded_and_an_update_resets_them(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = await hook(api, receiver.url, "model.insert.Client")
    receiver.status = 500
    await api.post("clients", json={"name": "Boom"})
    await sandbox.flush_webhooks()
    assert one(await api.get(f"hooks/{created['id']}"), "hooks")["last_status_code"] == 500
    updated = one(
        await api.put(f"hooks/{created['id']}", json={"target_url": "http://127.0.0.1:9/x"}), "hooks"
    )
    assert updated["last_status_code"] is None
    await api.post("clients", json={"name": "Nobody listens"})
    await sandbox.flush_webhooks()
    assert one(await api.get(f"hooks/{created['id']}"), "hooks")["last_status_code"] == 0


async def test_deliveries_do_not_hold_up_the_api_answer(
    sandbox: Sandbox, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.delay_s = 2.0  # an answer that waited for the delivery would take at least this long
    await hook(api, receiver.url, "model.insert.Client")
    started = time.monotonic()
    await api.post("clients", json={"name": "Fast"})
    assert time.monotonic() - started < receiver.delay_s
    assert receiver.deliveries == []
    await sandbox.flush_webhooks()
    assert len(receiver.deliveries) == 1


def test_deliveries_over_loopback_and_the_flush_control(receiver: Receiver) -> None:
    with SandboxServer() as server:
        auth = (server.api_key, "X")
        body = {"target_url": receiver.url, "event": "model.insert.Project", "secret": "k"}
        assert httpx.post(server.base_url + "hooks", json=body, auth=auth).status_code == 201
        assert (
            httpx.post(server.base_url + "projects", json={"name": "Over the wire"}, auth=auth).status_code
            == 201
        )
        flushed = httpx.post(server.base_url.replace("/api/", "/__sandbox/flush_webhooks")).json()
        assert flushed["delivered"] == 1 and flushed["deliveries"][0]["status"] == 200
        delivery = receiver.deliveries[0]
        assert delivery["body"]["name"] == "Over the wire" and delivery["body"]["client"] == {
            "name": "Sample Client"
        }
        assert delivery["headers"]["X-Paymo-Signature"] == signature("k", delivery["raw"])
        assert server.flush_webhooks() == 1
