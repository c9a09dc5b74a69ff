"""api_call through a real MCP session: the four methods round-trip, answers come back as results, and a
tripwire listener on a second loopback port proves no hostile input, redirect or credential reaches it."""

from __future__ import annotations

import base64
import json
import socket
import socketserver
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from mcp import Client
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paymo_mcp.client import PaymoClient, RetryPolicy
from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.tools.api_call import MAX_BODY_CHARS, api_call_tool
from paymo_mcp.tools.context import AppContext
from tests.helpers import CANARY_KEY, TRANSCRIPT, control, settings_for

API_KEY = "api-call-canary-key-8c1e4f"
BASIC = "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()
# Any of these in what the tripwire receives is a leak: the key, its Basic-auth form, the header itself.
SECRETS = (API_KEY.encode(), BASIC.split()[1].encode(), b"Authorization", b"authorization")

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- the tripwire: a raw TCP listener that records every byte anyone sends it ----------------------


class Tripwire(socketserver.ThreadingTCPServer):
    """Loopback listener standing for "anywhere but the API base": it must never be reached."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.received: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _TripwireHandler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _TripwireHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        assert isinstance(self.server, Tripwire)
        self.request.settimeout(2)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        self.server.received.append(data)
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"Connection: close\r\n\r\n{}"
        )


@pytest.fixture(scope="module")
def tripwire() -> Iterator[Tripwire]:
    server = Tripwire()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# -- a stub Paymo on loopback: envelopes, auth, and the answers the sandbox cannot give ------------


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StubPaymo:
    """A small Paymo look-alike: `{"<resource>": [...]}` envelopes, 201 + Location on create, plus
    redirects (same origin and to the tripwire), a big body, a PDF and an echo endpoint."""

    tripwire_origin: str
    seen: list[Seen] = field(default_factory=list)
    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 100

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
        return Starlette(routes=[Route("/{rest:path}", self.handle, methods=methods)])

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.scope["raw_path"].decode("latin-1")
        self.seen.append(Seen(request.method, path, request.url.query, dict(request.headers), body))
        response = self.answer(request, path, body)
        response.headers.update(
            {"X-Ratelimit-Limit": "1000", "X-Ratelimit-Remaining": "999", "X-Ratelimit-Decay-Period": "60"}
        )
        return response

    def answer(self, request: Request, path: str, body: bytes) -> Response:
        if request.headers.get("authorization") != BASIC:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if not path.startswith("/api/"):
            return JSONResponse({"message": "Not found"}, status_code=404)
        parts = path[len("/api/") :].split("/")
        special = self.special(request, parts[0], body)
        if special is not None:
            return special
        return self.crud(request.method, parts, body)

    def special(self, request: Request, name: str, body: bytes) -> Response | None:
        steal = f"{self.tripwire_origin}/steal?token=secret-token"
        if name == "away":
            return Response(status_code=302, headers={"Location": steal})
        if name == "away307":
            return Response(status_code=307, headers={"Location": steal})
        if name == "moved-with-userinfo":
            own = f"http://admin:hunter2@{request.url.netloc}/api/projects"
            return Response(status_code=302, headers={"Location": own})
        if name == "moved":
            return Response(status_code=301, headers={"Location": "/api/projects"})
        if name == "big":
            return JSONResponse({"projects": [{"id": i, "name": "x" * 100} for i in range(3000)]})
        if name == "report.pdf":
            return Response(b"%PDF-1.4\x00\x01\x02binary", media_type="application/pdf")
        if name == "plain":
            return Response("plain words", media_type="text/plain")
        if name == "echo":
            return JSONResponse(
                {
                    "method": request.method,
                    "query": dict(request.query_params),
                    "trace": request.headers.get("x-trace-id"),
                    "accept": request.headers.get("accept"),
                    "body": json.loads(body) if body else None,
                }
            )
        return None

    def crud(self, method: str, parts: list[str], body: bytes) -> Response:
        kind = parts[0]
        table = self.records.setdefault(kind, {})
        if len(parts) == 1 and method == "GET":
            return JSONResponse({kind: list(table.values())})
        if len(parts) == 1 and method == "POST":
            self.next_id += 1
            table[self.next_id] = {"id": self.next_id, **json.loads(body or b"{}")}
            location = f"/api/{kind}/{self.next_id}"
            return JSONResponse(
                {kind: [table[self.next_id]]}, status_code=201, headers={"Location": location}
            )
        if len(parts) != 2 or not parts[1].isdigit():
            return JSONResponse({"message": "Not found"}, status_code=404)
        record = table.get(int(parts[1]))
        if record is None:
            return JSONResponse({"message": f"{kind} {parts[1]} not found"}, status_code=404)
        if method == "GET":
            return JSONResponse({kind: [record]})
        if method == "PUT":
            record.update(json.loads(body or b"{}"))
            return JSONResponse({kind: [record]})
        if method == "DELETE":
            del table[record["id"]]
            return JSONResponse({})
        return JSONResponse({"message": "Method not allowed"}, status_code=405)


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run `app` with uvicorn on a free loopback port; yield its origin."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def stub_server(tripwire: Tripwire) -> Iterator[tuple[StubPaymo, str]]:
    stub = StubPaymo(tripwire.origin)
    with serve(stub.app()) as origin:
        yield stub, origin + "/api/"


@pytest.fixture
def stub(stub_server: tuple[StubPaymo, str], tripwire: Tripwire) -> Iterator[StubPaymo]:
    """The stub with an empty request log; afterwards, the tripwire must still be untouched."""
    paymo, _ = stub_server
    paymo.seen.clear()
    yield paymo
    assert tripwire.received == [], f"the tripwire was reached: {tripwire.received[:1]!r}"


@pytest.fixture
def stub_url(stub_server: tuple[StubPaymo, str]) -> str:
    return stub_server[1]


def mcp_server(base_url: str, api_key: str = API_KEY, *, read_only: bool = False) -> MCPServer[AppContext]:
    """A minimal server holding only api_call, whose Paymo client points at `base_url`."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppContext]) -> AsyncIterator[AppContext]:
        async with PaymoClient(api_key, base_url, retry=RetryPolicy(max_tries=1)) as client:
            yield AppContext(client=client, settings=Settings(read_only=read_only))

    return MCPServer("api-call-test", tools=[api_call_tool(read_only=read_only)], lifespan=lifespan)


async def answer(client: Client, args: dict[str, Any]) -> dict[str, Any]:
    """The structured result of an api_call that must not be a tool error."""
    result = await client.call_tool("api_call", args)
    text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
    TRANSCRIPT.append(text)  # the session's canary check looks for the sandbox's key in every answer
    assert not result.is_error, text
    assert API_KEY not in text and CANARY_KEY not in text
    assert len(text) <= 40_000, f"{len(text)} characters"
    assert isinstance(result.structured_content, dict)
    assert json.loads(text) == result.structured_content
    return result.structured_content


async def refusal(client: Client, args: dict[str, Any]) -> str:
    """The one-line error of an api_call that must be refused."""
    result = await client.call_tool("api_call", args)
    text: str = result.content[0].text  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    assert result.is_error, f"not refused: {args!r} -> {text}"
    assert "\n" not in text.strip() and API_KEY not in text and CANARY_KEY not in text, text
    return text


# -- the tool as the model sees it ---------------------------------------------------------------


async def test_the_tool_is_destructive_open_world_and_says_non_2xx_is_a_result(stub_url: str) -> None:
    async with Client(mcp_server(stub_url)) as client:
        (tool,) = (await client.list_tools()).tools
    hints = tool.annotations
    assert hints is not None and hints.title
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
        False,
        True,
        False,
        True,
    )
    assert "non-2xx" in (tool.description or "") and tool.input_schema["required"] == ["path"]
    assert "additionalProperties" not in tool.input_schema  # strict at run time; Gemini refuses the keyword
    assert all(p.get("description") for p in tool.input_schema["properties"].values())
    assert tool.input_schema["properties"]["method"]["enum"] == ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def test_read_only_mode_says_only_get_and_refuses_post_without_sending(
    stub: StubPaymo, stub_url: str
) -> None:
    async with Client(mcp_server(stub_url, read_only=True)) as client:
        (tool,) = (await client.list_tools()).tools
        assert "only GET is allowed" in (tool.description or "")
        assert tool.input_schema["properties"]["method"]["enum"] == ["GET"]
        for method in ("POST", "PUT", "DELETE"):
            text = await refusal(client, {"method": method, "path": "projects", "body": {"name": "x"}})
            assert "read-only" in text and f"not {method}" in text and "Nothing was sent" in text
        assert stub.seen == []
        assert (await answer(client, {"path": "projects"}))["status"] == 200
    assert [s.method for s in stub.seen] == ["GET"]


async def test_patch_is_sent_as_patch_with_its_body(stub: StubPaymo, stub_url: str) -> None:
    """The seed lists PATCH (audit D22); Paymo documents none, so its answer decides."""
    async with Client(mcp_server(stub_url)) as client:
        result = await answer(client, {"method": "patch", "path": "projects/1", "body": {"name": "x"}})
    assert result["status"] < 500
    assert [(s.method, s.path, json.loads(s.body)) for s in stub.seen] == [
        ("PATCH", "/api/projects/1", {"name": "x"})
    ]


@pytest.mark.parametrize(
    "args",
    [
        {"method": "GET", "query": {"_method": "DELETE"}},
        {"method": "GET", "query": {"_METHOD": "post"}},
        {"method": "GET", "query": {" _method": "PUT"}},
        {"method": "PATCH", "body": {"name": "x"}},
        {"method": "GET", "body": {"_method": "DELETE"}},
    ],
    ids=["GET-as-DELETE", "GET-as-POST", "GET-as-PUT", "PATCH", "GET-body-as-DELETE"],
)
async def test_read_only_mode_refuses_every_write_including_method_overrides(
    stub: StubPaymo, stub_url: str, args: dict[str, Any]
) -> None:
    async with Client(mcp_server(stub_url, read_only=True)) as client:
        text = await refusal(client, {"path": "projects/1", **args})
        assert "read-only" in text and "only GET" in text and "Nothing was sent" in text
        assert (await answer(client, {"path": "projects", "query": {"_method": "GET"}}))["status"] == 200
    assert [s.method for s in stub.seen] == ["GET"]


async def test_a_body_on_get_or_delete_is_refused(stub: StubPaymo, stub_url: str) -> None:
    async with Client(mcp_server(stub_url)) as client:
        for method in ("GET", "DELETE"):
            text = await refusal(client, {"method": method, "path": "projects/1", "body": {"a": 1}})
            assert f"body: {method} sends no body" in text
    assert stub.seen == []


# -- round trips against the stub -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reaches"),
    [
        ("/projects", "/api/projects"),
        ("projects", "/api/projects"),
        ("api/projects", "/api/projects"),
        ("/api/projects/", "/api/projects"),
        ("projects/7", "/api/projects/7"),
        ("/api/projects/7", "/api/projects/7"),
        ("clients/Caf%C3%A9", "/api/clients/Caf%C3%A9"),
    ],
)
async def test_each_accepted_path_form_reaches_the_right_url(
    stub: StubPaymo, stub_url: str, path: str, reaches: str
) -> None:
    async with Client(mcp_server(stub_url)) as client:
        await answer(client, {"path": path})
    assert [(s.method, s.path) for s in stub.seen] == [("GET", reaches)]


async def test_post_put_get_delete_round_trip_with_201_location_and_404_as_results(
    stub: StubPaymo, stub_url: str
) -> None:
    async with Client(mcp_server(stub_url)) as client:
        created = await answer(client, {"method": "POST", "path": "milestones", "body": {"name": "M1"}})
        assert created["status"] == 201
        record = created["body"]["milestones"][0]
        assert record["name"] == "M1"
        assert created["headers"]["location"] == f"{stub_url}milestones/{record['id']}"
        path = f"milestones/{record['id']}"
        updated = await answer(client, {"method": "put", "path": path, "body": {"name": "M2"}})
        assert updated["status"] == 200 and updated["body"]["milestones"][0]["name"] == "M2"
        assert (await answer(client, {"path": path}))["body"]["milestones"][0]["name"] == "M2"
        assert (await answer(client, {"method": "DELETE", "path": path}))["status"] == 200
        gone = await answer(client, {"path": path})
    assert gone["status"] == 404 and gone["body"] == {"message": f"milestones {record['id']} not found"}
    assert "note" not in gone and gone["truncated"] is False
    assert [s.method for s in stub.seen] == ["POST", "PUT", "GET", "DELETE", "GET"]


async def test_query_headers_and_body_arrive_as_given_with_the_key_added(
    stub: StubPaymo, stub_url: str
) -> None:
    args = {
        "method": "POST",
        "path": "echo",
        "query": {"where": 'name like "%a b%"', "page": 2, "active": True},
        "headers": {"X-Trace-Id": "t-1", "Accept": "application/json"},
        "body": [{"name": "n"}],
    }
    async with Client(mcp_server(stub_url)) as client:
        result = await answer(client, args)
    assert result["body"] == {
        "method": "POST",
        "query": {"where": 'name like "%a b%"', "page": "2", "active": "true"},
        "trace": "t-1",
        "accept": "application/json",
        "body": [{"name": "n"}],
    }
    assert stub.seen[0].headers["authorization"] == BASIC
    assert set(result["headers"]) == {
        "content-type",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-decay-period",
    }


async def test_a_wrong_key_comes_back_as_a_401_result_not_a_tool_error(
    stub: StubPaymo, stub_url: str
) -> None:
    async with Client(mcp_server(stub_url, api_key="wrong-key")) as client:
        result = await answer(client, {"path": "projects"})
    assert result["status"] == 401 and result["body"] == {"message": "Unauthorized"}


async def test_a_large_body_is_cut_with_a_note(stub: StubPaymo, stub_url: str) -> None:
    async with Client(mcp_server(stub_url)) as client:
        result = await answer(client, {"path": "big"})
    assert result["truncated"] is True and isinstance(result["body"], str)
    assert len(json.dumps(result["body"])) <= MAX_BODY_CHARS and result["body"].startswith('{"projects":[')
    assert f"body cut to the first {len(result['body'])} of" in result["note"]
    assert "page_size" in result["note"]


async def test_text_is_text_and_binary_is_described_not_returned(stub: StubPaymo, stub_url: str) -> None:
    async with Client(mcp_server(stub_url)) as client:
        plain = await answer(client, {"path": "plain"})
        pdf = await answer(client, {"path": "report.pdf", "query": {"format": "pdf"}})
    assert plain["body"] == "plain words" and plain["truncated"] is False
    assert pdf["body"] is None and pdf["note"] == "application/pdf body of 17 bytes not shown (not text)"


async def test_a_same_origin_redirect_is_shown_but_not_followed(stub: StubPaymo, stub_url: str) -> None:
    async with Client(mcp_server(stub_url)) as client:
        result = await answer(client, {"path": "moved"})
    assert result["status"] == 301 and result["headers"]["location"] == f"{stub_url}projects"
    assert "not followed" in result["note"]
    assert [s.path for s in stub.seen] == ["/api/moved"]


async def test_a_location_with_user_info_is_withheld_even_on_the_same_origin(
    stub: StubPaymo, stub_url: str
) -> None:
    async with Client(mcp_server(stub_url)) as client:
        result = await answer(client, {"path": "moved-with-userinfo"})
    assert result["status"] == 302 and result["headers"]["location"].startswith("(withheld")
    assert "hunter2" not in json.dumps(result)


@pytest.mark.parametrize(("path", "method"), [("away", "GET"), ("away307", "POST"), ("away307", "PUT")])
async def test_a_redirect_to_another_origin_is_not_followed_and_its_url_is_withheld(
    stub: StubPaymo, stub_url: str, tripwire: Tripwire, path: str, method: str
) -> None:
    body = None if method == "GET" else {"name": "x"}
    async with Client(mcp_server(stub_url)) as client:
        result = await answer(client, {"method": method, "path": path, **({"body": body} if body else {})})
    assert result["status"] in (302, 307)
    assert result["headers"]["location"] == "(withheld: another origin, 127.0.0.1)"
    assert "no credentials were sent there" in result["note"]
    shown = json.dumps(result)
    assert "steal" not in shown and "secret-token" not in shown and tripwire.origin not in shown
    assert [s.path for s in stub.seen] == [f"/api/{path}"]
    assert tripwire.received == []


# -- the hostile battery, end to end: refused, nothing sent anywhere ---------------------------------


def hostile_calls(elsewhere: str) -> list[tuple[str, dict[str, Any]]]:
    """Arguments that would send the request, or the key, to `elsewhere` (the tripwire) or out of the base."""
    host = elsewhere.removeprefix("http://")
    return [
        ("absolute URL", {"path": f"{elsewhere}/api/projects"}),
        ("absolute URL, POST", {"method": "POST", "path": f"{elsewhere}/api/clients", "body": {}}),
        ("absolute https", {"path": f"https://{host}/api/projects"}),
        ("scheme-relative", {"path": f"//{host}/api/projects"}),
        ("scheme-relative after api", {"path": f"/api//{host}/x"}),
        ("backslashes", {"path": f"\\\\{host}\\api"}),
        ("slash backslash", {"path": f"/\\{host}/x"}),
        ("user-info", {"path": f"x@{host}/api/projects"}),
        ("user-info with password", {"path": f"u:p@{host}"}),
        ("dot-dot", {"path": "../../steal"}),
        ("dot-dot after api", {"path": "/api/../steal"}),
        ("encoded dot-dot", {"path": "%2e%2e/%2e%2e/steal"}),
        ("mixed encoded dot-dot", {"path": "%2E./steal"}),
        ("double-encoded dot-dot", {"path": "%252e%252e/steal"}),
        ("encoded slash", {"path": "projects%2f..%2f..%2fsteal"}),
        ("encoded backslash", {"path": "projects%5c..%5csteal"}),
        ("overlong UTF-8 dot", {"path": "%c0%ae%c0%ae/steal"}),
        ("CRLF in path", {"path": f"projects HTTP/1.1\r\nHost: {host}\r\n\r\n"}),
        ("encoded CRLF in path", {"path": "projects%0d%0aHost%3a%20evil"}),
        ("NUL in path", {"path": "projects\x00"}),
        ("TAB in path", {"path": "projects\t"}),
        ("query in path", {"path": f"projects?redirect={elsewhere}"}),
        ("fullwidth solidus", {"path": "\uff0f\uff0fevil"}),
        ("empty path", {"path": ""}),
        ("long path", {"path": "a/" * 1500}),
        ("CRLF in query value", {"path": "projects", "query": {"where": f"x\r\nHost: {host}"}}),
        ("CRLF in query key", {"path": "projects", "query": {"a\r\nHost": "x"}}),
        ("list in query", {"path": "projects", "query": {"id": [1, 2]}}),
        ("Host header", {"path": "projects", "headers": {"Host": host}}),
        ("Authorization header", {"path": "projects", "headers": {"Authorization": "Basic eDp4"}}),
        ("Cookie header", {"path": "projects", "headers": {"Cookie": "a=b"}}),
        ("X-Session header", {"path": "projects", "headers": {"X-Session": "t"}}),
        ("Transfer-Encoding", {"path": "projects", "headers": {"Transfer-Encoding": "chunked"}}),
        ("Connection", {"path": "projects", "headers": {"connection": "close"}}),
        ("method override", {"path": "projects/1", "headers": {"X-HTTP-Method-Override": "DELETE"}}),
        ("CRLF in a header value", {"path": "projects", "headers": {"X-A": f"1\r\nHost: {host}"}}),
        ("bad header name", {"path": "projects", "headers": {"X-A\r\nHost": host}}),
        ("two method overrides", {"path": "projects/1", "query": {"_method": "GET", "_Method": "DELETE"}}),
        ("unknown override", {"path": "projects/1", "query": {"_method": "PURGE"}}),
        ("override in body", {"method": "POST", "path": "projects/1", "body": {"_method": 1}}),
        (
            "override in query and body",
            {
                "method": "POST",
                "path": "projects/1",
                "query": {"_method": "PUT"},
                "body": {"_method": "DELETE"},
            },
        ),
        ("CONNECT", {"method": "CONNECT", "path": host}),
        ("CRLF in method", {"method": "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", "path": "projects"}),
        ("unknown argument", {"path": "projects", "url": f"{elsewhere}/x"}),
    ]


async def test_every_hostile_call_is_refused_and_nothing_reaches_any_listener(
    stub: StubPaymo, stub_url: str, tripwire: Tripwire
) -> None:
    calls = hostile_calls(tripwire.origin)
    assert len(calls) >= 25
    async with Client(mcp_server(stub_url)) as client:
        for label, args in calls:
            text = await refusal(client, args)
            assert text.startswith("Error executing tool api_call:") and len(text) < 400, (label, text)
    assert stub.seen == [], [(s.method, s.path) for s in stub.seen]
    assert tripwire.received == []


async def test_the_tripwire_records_what_reaches_it(tripwire: Tripwire) -> None:
    """The tripwire is not blind: a client pointed straight at it is seen, credentials and all."""
    async with Client(mcp_server(tripwire.origin + "/api/")) as client:
        result = await answer(client, {"path": "projects"})
    assert result["status"] == 200
    assert len(tripwire.received) == 1 and BASIC.encode() in tripwire.received[0]
    tripwire.received.clear()


def test_no_credential_reached_the_tripwire_in_this_module(tripwire: Tripwire) -> None:
    assert not any(secret in data for data in tripwire.received for secret in SECRETS)


# -- the sandbox: the four methods and each path form, against a Paymo-compatible API ---------------


def sandbox_log(sandbox: SandboxServer) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in control(sandbox, "requests")]


async def test_each_accepted_path_form_resolves_to_the_right_url_on_the_sandbox(fresh: SandboxServer) -> None:
    async with Client(mcp_server(fresh.base_url, fresh.api_key)) as client:
        listed = await answer(client, {"path": "clients"})
        client_id = listed["body"]["clients"][0]["id"]
        control(fresh, "reset", {})
        forms = ["/clients", "clients", "api/clients", "/api/clients/"]
        items = [f"clients/{client_id}", f"/api/clients/{client_id}", f"api/clients/{client_id}/"]
        for path in forms + items:
            result = await answer(client, {"path": path})
            assert result["status"] == 200, (path, result)
    expected = [("GET", "/api/clients")] * len(forms) + [("GET", f"/api/clients/{client_id}")] * len(items)
    assert sandbox_log(fresh) == expected


async def test_get_post_put_delete_round_trip_on_the_sandbox(fresh: SandboxServer) -> None:
    async with Client(mcp_server(fresh.base_url, fresh.api_key)) as client:
        created = await answer(client, {"method": "POST", "path": "clients", "body": {"name": "Raw Ltd"}})
        assert created["status"] == 201
        client_id = created["body"]["clients"][0]["id"]
        assert created["headers"]["location"] == f"{fresh.base_url}clients/{client_id}"
        path = f"clients/{client_id}"
        updated = await answer(client, {"method": "PUT", "path": path, "body": {"city": "Cluj"}})
        assert updated["body"]["clients"][0]["city"] == "Cluj"
        found = await answer(client, {"path": "clients", "query": {"where": 'name="Raw Ltd"'}})
        assert [c["id"] for c in found["body"]["clients"]] == [client_id]
        assert any(h.startswith("x-ratelimit-") for h in found["headers"])
        assert (await answer(client, {"method": "DELETE", "path": path}))["status"] == 200
        gone = await answer(client, {"path": path})
    assert gone["status"] == 404 and isinstance(gone["body"]["message"], str)
    assert sandbox_log(fresh) == [
        ("POST", "/api/clients"),
        ("PUT", f"/api/{path}"),
        ("GET", "/api/clients"),
        ("DELETE", f"/api/{path}"),
        ("GET", f"/api/{path}"),
    ]


async def test_a_paymo_error_is_a_result_with_its_status_on_the_sandbox(fresh: SandboxServer) -> None:
    async with Client(mcp_server(fresh.base_url, fresh.api_key)) as client:
        missing = await answer(client, {"method": "POST", "path": "clients", "body": {}})
        unknown = await answer(client, {"path": "no_such_endpoint"})
    assert missing["status"] == 400 and missing["body"] == {"message": "Missing required params: name"}
    assert unknown["status"] == 404 and "message" in unknown["body"]


async def test_hostile_calls_and_read_only_writes_send_nothing_to_the_sandbox_or_the_tripwire(
    fresh: SandboxServer, tripwire: Tripwire
) -> None:
    async with Client(mcp_server(fresh.base_url, fresh.api_key)) as client:
        for _, args in hostile_calls(tripwire.origin):
            await refusal(client, args)
    async with Client(mcp_server(fresh.base_url, fresh.api_key, read_only=True)) as client:
        text = await refusal(client, {"method": "POST", "path": "clients", "body": {"name": "x"}})
    assert "read-only" in text and "only GET" in text
    assert sandbox_log(fresh) == [] and tripwire.received == []


async def test_a_delete_whose_answer_was_lost_says_the_404_means_deleted(fresh: SandboxServer) -> None:
    async with Client(build_server(settings_for(fresh))) as client:  # retries on, as configured
        created = await answer(client, {"method": "POST", "path": "clients", "body": {"name": "Gone Ltd"}})
        path = f"clients/{created['body']['clients'][0]['id']}"
        fault = {"method": "DELETE", "path_prefix": f"/api/{path}", "status": 200, "reset": True, "times": 1}
        control(fresh, "faults", fault)
        result = await answer(client, {"method": "DELETE", "path": path})
        assert result["status"] == 404 and "404 on DELETE then means it was deleted" in result["note"]
        assert sandbox_log(fresh).count(("DELETE", f"/api/{path}")) == 2
