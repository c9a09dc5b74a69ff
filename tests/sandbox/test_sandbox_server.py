"""The sandbox over real loopback HTTP: SandboxServer in a thread, and `run_sandbox` in the foreground."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from paymo_mcp.sandbox import SandboxServer


def test_server_listens_on_a_free_loopback_port_and_stops() -> None:
    with SandboxServer(api_key="loop-key") as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/api/")
        me = httpx.get(server.base_url + "me", auth=("loop-key", "X")).json()["users"][0]
        assert me["id"] == 1 and server.app.api_key == "loop-key"
        url = server.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "me", auth=("loop-key", "X"), timeout=2)


def test_reset_fault_over_http_is_an_ambiguous_connection_error() -> None:
    with SandboxServer() as server, httpx.Client(base_url=server.base_url, auth=(server.api_key, "X")) as api:
        control = server.base_url.replace("/api/", "/__sandbox/")
        fault = {"method": "POST", "path_prefix": "/api/clients", "reset": True, "times": 1}
        assert httpx.post(control + "faults", json=fault).status_code == 200
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            api.post("clients", json={"name": "Maybe Created"})
        names = [c["name"] for c in api.get("clients").json()["clients"]]
        assert "Maybe Created" in names
        assert api.get("me").status_code == 200, "the server keeps serving after the drop"


def test_a_database_file_keeps_its_data_across_restarts(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    with SandboxServer(api_key="first", db_path=db) as server:
        created = httpx.post(server.base_url + "clients", json={"name": "Durable"}, auth=("first", "X"))
        assert created.status_code == 201
    with SandboxServer(api_key="second", db_path=db) as server:
        clients = httpx.get(server.base_url + "clients", auth=("second", "X")).json()["clients"]
        assert "Durable" in [c["name"] for c in clients], "the new key took over the admin user"


def test_run_sandbox_prints_base_url_and_api_key_then_serves_until_interrupted() -> None:
    code = "from paymo_mcp.sandbox import run_sandbox; run_sandbox(0, 'cli-key', None)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        key = proc.stdout.readline().strip()
        assert base.startswith("base_url=http://127.0.0.1:") and base.endswith("/api/")
        assert key == "api_key=cli-key"
        response = httpx.get(base.removeprefix("base_url=") + "me", auth=("cli-key", "X"), timeout=10)
        assert response.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert out == "", "nothing but the two lines on stdout (no access log)"
