"""The `paymo-mcp` command: serve MCP (stdio or HTTP), run the sandbox alone, and helper sub-commands."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from paymo_mcp import __version__
from paymo_mcp.config import Settings, parse_toolsets

logger = logging.getLogger("paymo_mcp")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="paymo-mcp",
        description="MCP server for Paymo. Without a sub-command it serves MCP (stdio by default).",
    )
    p.add_argument("--version", action="version", version=f"paymo-mcp {__version__}")
    p.add_argument("--sandbox", action="store_true", help="run against an embedded, seeded Paymo sandbox")
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--auth-token", help="bearer token HTTP clients must send (env PAYMO_MCP_AUTH_TOKEN)")
    p.add_argument("--allowed-host", action="append", default=[], help="public Host name to accept (HTTP)")
    p.add_argument("--stateless", action="store_true", help="stateless HTTP (for several replicas)")
    p.add_argument("--read-only", action="store_true", default=None, help="no create/update/delete tools")
    p.add_argument(
        "--toolsets", help="comma list: tasks,tasklists,projects,clients,invoices,time_entries,lookups,api"
    )
    p.add_argument("--no-confirm", action="store_true", help="do not ask the user to confirm deletes")
    p.add_argument("--state-dir", type=Path, help="where watch cursors and events live (PAYMO_STATE_DIR)")
    p.add_argument("--webhook-url", help="public URL Paymo should call for instant watches")
    p.add_argument("--webhook-port", type=int, help="on stdio: port of the local webhook listener")
    p.add_argument("--log-level", default=os.environ.get("PAYMO_LOG_LEVEL", "WARNING"))
    sub = p.add_subparsers(dest="command")
    sb = sub.add_parser("sandbox", help="run the Paymo sandbox alone (prints base_url= and api_key=)")
    sb.add_argument("--port", type=int, default=0, dest="sandbox_port")
    sb.add_argument("--host", default="127.0.0.1", dest="sandbox_host")
    sb.add_argument("--api-key", dest="sandbox_api_key")
    sb.add_argument("--db", help="SQLite file to keep the sandbox's data in (default: in memory)")
    sub.add_parser("tools", help="list the tools with one-line summaries")
    hooks = sub.add_parser("hooks", help="list or remove the Paymo webhooks this server registered")
    hooks.add_argument("action", choices=["list", "remove"])
    hooks.add_argument("--id", type=int, dest="hook_id", help="remove only this hook")
    call = sub.add_parser("call", help="call one tool: paymo-mcp call list_tasks '{\"limit\": 5}'")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object of arguments")
    return p


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    flags: dict[str, Any] = {
        "read_only": args.read_only,
        "toolsets": parse_toolsets(args.toolsets) if args.toolsets else None,
        "confirm_deletes": False if args.no_confirm else None,
        "state_dir": args.state_dir,
        "webhook_url": args.webhook_url,
        "webhook_port": args.webhook_port,
    }
    # Flags the user gave win over what the backend chose (e.g. the sandbox's temporary state dir).
    return Settings.from_env(**{**extra, **{k: v for k, v in flags.items() if v is not None}})


def _configure_logging(level: str) -> None:
    # stdout belongs to MCP on stdio: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


class _Backend:
    """The Paymo the command talks to: the configured account, or an embedded sandbox (--sandbox)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.sandbox: Any = None
        extra: dict[str, Any] = {}
        if args.sandbox:
            from paymo_mcp.sandbox import SandboxServer

            self.sandbox = SandboxServer().start()
            extra = {"base_url": self.sandbox.base_url, "api_key": SecretStr(self.sandbox.api_key)}
            extra["sandbox"] = True
            if not (args.state_dir or os.environ.get("PAYMO_STATE_DIR")):
                # The sandbox starts fresh each run, so its watch state must too.
                extra["state_dir"] = Path(tempfile.mkdtemp(prefix="paymo-mcp-sandbox-"))
        self.settings = _settings(args, **extra)

    def __enter__(self) -> Settings:
        return self.settings

    def __exit__(self, *exc: object) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()


def serve(args: argparse.Namespace) -> None:
    # Start-up makes many long-lived objects (SDK and tool models) and no garbage: collecting while
    # it runs is wasted work (~15 % of a cold start). Collection resumes once the server is built.
    gc.disable()
    with _Backend(args) as settings:
        from paymo_mcp.server.app import build_server
        from paymo_mcp.server.watching import WatchHub

        _configure_logging(args.log_level)
        if args.transport == "stdio":
            if settings.webhook_url and not settings.webhook_port and not settings.read_only:
                raise ValueError(
                    "PAYMO_WEBHOOK_URL on stdio needs --webhook-port (PAYMO_WEBHOOK_PORT): the local port "
                    "that URL reaches, where the server listens for Paymo's deliveries"
                )
            server = build_server(settings)
            _collect_again()
            server.run("stdio")
        else:
            # Over HTTP the webhook receiver shares the MCP app's port: no separate listener.
            hub = WatchHub(settings.model_copy(update={"webhook_port": None}))
            server = build_server(hub.settings, watch_hub=hub)
            _collect_again()
            _serve_http(server, args, hub.routes())


def _collect_again() -> None:
    gc.freeze()  # what start-up made lives as long as the process: keep it out of later collections
    gc.enable()


def _serve_http(server: Any, args: argparse.Namespace, routes: Sequence[Any]) -> None:
    import uvicorn

    from paymo_mcp.server.http_app import build_http_app

    app = build_http_app(
        server,
        host=args.host,
        port=args.port,
        auth_token=args.auth_token or os.environ.get("PAYMO_MCP_AUTH_TOKEN"),
        allowed_hosts=args.allowed_host,
        stateless=args.stateless,
        extra_routes=routes,
    )
    print(f"paymo-mcp: MCP endpoint http://{args.host}:{args.port}/mcp", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level=args.log_level.lower())


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        if args.command == "sandbox":
            from paymo_mcp.sandbox import run_sandbox

            run_sandbox(args.sandbox_port, args.sandbox_api_key, args.db, host=args.sandbox_host)
        elif args.command == "hooks":
            from paymo_mcp.watch.admin import hooks_command

            _configure_logging(args.log_level)
            with _Backend(args) as settings:
                code = hooks_command(settings, args.action, args.hook_id)
            raise SystemExit(code)
        elif args.command in ("tools", "call"):
            from paymo_mcp import shell

            _configure_logging(args.log_level)
            with _Backend(args) as settings:
                if args.command == "tools":
                    code = shell.list_tools(settings)
                else:
                    code = shell.call_tool(settings, args.tool, args.arguments)
            raise SystemExit(code)
        else:
            serve(args)
    except ValueError as exc:
        # Misconfiguration: one line saying what to fix, no traceback.
        print(f"paymo-mcp: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass
