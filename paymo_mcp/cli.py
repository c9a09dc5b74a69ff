"""The `paymo-mcp` command: serve MCP (stdio or HTTP), run the sandbox alone, and helper sub-commands."""

from __future__ import annotations

import argparse
import gc
import logging
import math
import os
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from paymo_mcp import __version__
from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS, OPT_IN, PRESETS
from paymo_mcp.config import Settings, parse_toolsets

logger = logging.getLogger("paymo_mcp")
HEAD_TIMEOUT_S = 10.0  # HTTP: the longest a client may take to send a request's line and headers


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="paymo-mcp",
        description="MCP server for Paymo. Without a sub-command it serves MCP (stdio by default).",
    )
    p.add_argument("--version", action="version", version=f"paymo-mcp {__version__}")
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an embedded, seeded Paymo sandbox; each run starts a fresh one, so what one "
        "`paymo-mcp --sandbox call` creates is gone in the next (keep it with --sandbox-db)",
    )
    p.add_argument(
        "--sandbox-db",
        type=Path,
        metavar="FILE",
        help="keep the sandbox's data in this SQLite file between runs (implies --sandbox)",
    )
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--auth-token", help="bearer token HTTP clients must send (env PAYMO_MCP_AUTH_TOKEN)")
    p.add_argument("--allowed-host", action="append", default=[], help="public Host name to accept (HTTP)")
    p.add_argument(
        "--multi-user",
        action="store_true",
        default=None,
        help="HTTP: many people sign in with OAuth, each with their own Paymo key (PAYMO_MULTI_USER; "
        "needs PAYMO_MCP_SECRET)",
    )
    p.add_argument("--stateless", action="store_true", help="stateless HTTP (for several replicas)")
    p.add_argument(
        "--header-timeout",
        type=_seconds,
        default=HEAD_TIMEOUT_S,
        metavar="SECONDS",
        help=f"HTTP: close a connection whose request head is incomplete after this long "
        f"(default {HEAD_TIMEOUT_S:g})",
    )
    p.add_argument("--read-only", action="store_true", default=None, help="no create/update/delete tools")
    p.add_argument(
        "--toolsets",
        help=f"comma list of toolsets ({','.join(DEFAULT_TOOLSETS)}; opt-in: {','.join(sorted(OPT_IN))}; "
        f"all) or presets ({','.join(PRESETS)})",
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
    hooks = sub.add_parser(
        "hooks",
        help="list or remove the Paymo webhooks this server registered (remove: not with --read-only)",
    )
    hooks.add_argument("action", choices=["list", "remove"])
    hooks.add_argument("--id", type=int, dest="hook_id", help="remove only this hook")
    call = sub.add_parser("call", help="call one tool: paymo-mcp call list_tasks '{\"limit\": 5}'")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object of arguments")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    flags: dict[str, Any] = {
        "read_only": args.read_only,
        "toolsets": parse_toolsets(args.toolsets) if args.toolsets else None,
        "confirm_deletes": False if args.no_confirm else None,
        "state_dir": args.state_dir,
        "webhook_url": args.webhook_url,
        "webhook_port": args.webhook_port,
        "multi_user": getattr(args, "multi_user", None),
    }
    return Settings.from_env(**flags)


def _configure_logging(level: str) -> None:
    # stdout belongs to MCP on stdio: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


class _Backend:
    """The Paymo the command talks to: the configured account, or an embedded sandbox (--sandbox).

    A sandbox and its temporary state dir live as long as the `with` block, and are removed when it
    ends, also on Ctrl-C or SIGTERM (see _exit_on_termination).
    """

    def __init__(self, args: argparse.Namespace) -> None:
        # Settings first: a refused variable stops the command before anything is started.
        self.settings = _settings(args)
        self.sandbox: Any = None
        self._state_dir: tempfile.TemporaryDirectory[str] | None = None
        if args.sandbox or args.sandbox_db:
            self._start_sandbox(args)

    def _start_sandbox(self, args: argparse.Namespace) -> None:
        from paymo_mcp.sandbox import SandboxServer

        db = str(args.sandbox_db) if args.sandbox_db else None
        try:
            self.sandbox = SandboxServer(db_path=db).start()
        except sqlite3.Error as exc:
            raise ValueError(
                f"--sandbox-db {db}: cannot use it as the sandbox's SQLite file ({exc})"
            ) from None
        update: dict[str, Any] = {
            "base_url": self.sandbox.base_url,
            "api_key": SecretStr(self.sandbox.api_key),
            "sandbox": True,
        }
        if "state_dir" not in self.settings.model_fields_set:  # neither --state-dir nor PAYMO_STATE_DIR
            # The sandbox starts fresh each run, so its watch state must too.
            self._state_dir = tempfile.TemporaryDirectory(
                prefix="paymo-mcp-sandbox-", ignore_cleanup_errors=True
            )
            update["state_dir"] = Path(self._state_dir.name)
        self.settings = self.settings.model_copy(update=update)

    def __enter__(self) -> Settings:
        return self.settings

    def __exit__(self, *exc: object) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
        if self._state_dir is not None:
            self._state_dir.cleanup()


def serve(args: argparse.Namespace) -> None:
    # Start-up makes many long-lived objects (SDK and tool models) and no garbage: collecting while
    # it runs is wasted work (~15 % of a cold start). Collection resumes once the server is built.
    gc.disable()
    with _Backend(args) as settings:
        from paymo_mcp.server.app import build_server
        from paymo_mcp.server.watching import WatchHub

        _configure_logging(args.log_level)
        if settings.multi_user and args.transport != "http":
            raise ValueError(
                "--multi-user (PAYMO_MULTI_USER) needs --transport http: people sign in over HTTP"
            )
        if args.transport == "stdio":
            if settings.webhook_url and not settings.webhook_port and not settings.read_only:
                raise ValueError(
                    "PAYMO_WEBHOOK_URL on stdio needs --webhook-port (PAYMO_WEBHOOK_PORT): the local port "
                    "that URL reaches, where the server listens for Paymo's deliveries"
                )
            server = build_server(settings)
            _collect_again()
            server.run("stdio")
        elif settings.multi_user:
            # Multi-user: each person's hooks (PAYMO_WEBHOOK_URL) call their own path on the MCP port.
            hub = WatchHub(settings.model_copy(update={"webhook_port": None}))
            server = build_server(hub.settings, watch_hub=hub, issuer_url=_public_url(settings, args))
            _collect_again()
            _serve_http(server, args, hub.routes())
        else:
            # Over HTTP the webhook receiver shares the MCP app's port: no separate listener.
            hub = WatchHub(settings.model_copy(update={"webhook_port": None}))
            server = build_server(hub.settings, watch_hub=hub)
            _collect_again()
            _serve_http(server, args, hub.routes())


def _person_keys(settings: Settings) -> Any:
    """Multi-user deployments (PAYMO_MCP_SECRET set): a loader of each signed-in person's Paymo key, so
    `hooks` can handle the hooks people's watches registered with their keys."""
    secret = settings.mcp_secret.get_secret_value().strip() if settings.mcp_secret else ""
    if not secret:
        return None
    from functools import partial

    from paymo_mcp.auth.store import signed_in_keys

    url = settings.database_url.get_secret_value() if settings.database_url else None
    return partial(signed_in_keys, settings.state_dir, url, secret)


def _public_url(settings: Settings, args: argparse.Namespace) -> str:
    """Where people and chat apps reach the server: PAYMO_MCP_PUBLIC_URL, else the bound address."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if args.host in ("", "0.0.0.0", "::") else args.host
    return f"http://{host}:{args.port}"


def _collect_again() -> None:
    gc.freeze()  # what start-up made lives as long as the process: keep it out of later collections
    gc.enable()


def _serve_http(server: Any, args: argparse.Namespace, routes: Sequence[Any]) -> None:
    import uvicorn

    from paymo_mcp.server.http_app import build_http_app
    from paymo_mcp.server.http_limits import server_config

    provider = getattr(server, "oauth_provider", None)
    multi_user = provider is not None
    allowed = list(args.allowed_host)
    if provider is not None:  # the public URL's host name (a chat app reaches the server by it)
        allowed.append(urlsplit(provider.issuer_url).netloc)
    app = build_http_app(
        server,
        host=args.host,
        port=args.port,
        auth_token=args.auth_token or os.environ.get("PAYMO_MCP_AUTH_TOKEN"),
        allowed_hosts=allowed,
        stateless=args.stateless,
        extra_routes=routes,
        multi_user=multi_user,
    )
    config = server_config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        head_timeout_s=args.header_timeout,
    )
    print(f"paymo-mcp: MCP endpoint http://{args.host}:{args.port}/mcp", file=sys.stderr)
    uvicorn.Server(config).run()


def _exit_on_termination() -> None:
    """SIGTERM (and SIGHUP) end the command as Ctrl-C does, so `with` blocks clean up (the sandbox's
    temporary folder) instead of the process dying where it stands."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def _stdout_closed() -> None:
    """The reader of stdout went away (`| head`): nothing more can be shown, and no traceback either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not fail again
    raise SystemExit(128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    _exit_on_termination()
    try:
        if args.log_level.upper() not in LOG_LEVELS:
            raise ValueError(
                f"log level {args.log_level!r} (--log-level / PAYMO_LOG_LEVEL) is not one of "
                f"{', '.join(LOG_LEVELS)}"
            )
        if args.command == "sandbox":
            from paymo_mcp.sandbox import run_sandbox

            run_sandbox(args.sandbox_port, args.sandbox_api_key, args.db, host=args.sandbox_host)
        elif args.command == "hooks":
            from paymo_mcp.watch.admin import hooks_command

            _configure_logging(args.log_level)
            with _Backend(args) as settings:
                if args.action == "remove" and settings.read_only:
                    raise ValueError(
                        "hooks remove deletes webhooks in Paymo, and this server is read-only "
                        "(--read-only / PAYMO_READ_ONLY); nothing was removed"
                    )
                code = hooks_command(settings, args.action, args.hook_id, _person_keys(settings))
            _exit(code)
        elif args.command in ("tools", "call"):
            from paymo_mcp import shell

            _configure_logging(args.log_level)
            with _Backend(args) as settings:
                if args.command == "tools":
                    code = shell.list_tools(settings)
                else:
                    code = shell.call_tool(settings, args.tool, args.arguments)
            _exit(code)
        else:
            serve(args)
    except ValueError as exc:
        # Misconfiguration: one line saying what to fix, no traceback.
        print(f"paymo-mcp: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except BrokenPipeError:
        _stdout_closed()
    except KeyboardInterrupt:
        pass


def _exit(code: int) -> None:
    sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
    raise SystemExit(code)
