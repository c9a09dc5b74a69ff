"""The streamable-HTTP app: the MCP endpoint at /mcp, bearer-token auth, DNS-rebinding checks, webhooks."""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerAuth:
    """Every HTTP request needs `Authorization: Bearer <token>` (constant-time compare), except the
    webhook receiver's paths, which Paymo calls and which check X-Paymo-Signature instead."""

    def __init__(self, app: ASGIApp, token: str, exempt_prefixes: Sequence[str] = ("/webhooks/",)) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()
        self._exempt = tuple(exempt_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self._exempt):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if hmac.compare_digest(given, self._expected):
            await self.app(scope, receive, send)
            return
        refused = JSONResponse(
            {"error": "unauthorized", "message": "Send Authorization: Bearer <token>."},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="paymo-mcp"'},
        )
        await refused(scope, receive, send)


def _with_port(name: str) -> bool:
    """`example.com:8000`, `[::1]:8000` or `example.com:*`: a Host value that already names its port."""
    return re.fullmatch(r"(\[[^\]]+\]|[^:\[\]]+):(\d+|\*)", name) is not None


def security_settings(host: str, port: int, allowed_hosts: Sequence[str]) -> TransportSecuritySettings:
    """Host/Origin validation: loopback names on any port, plus the bound address and the public names
    the operator allows, each bare (behind a proxy on the default port) or on the served port."""
    named = [] if host in ("", "0.0.0.0", "::") else [f"[{host}]" if ":" in host else host]
    served: list[str] = []
    for name in [*named, *allowed_hosts]:
        served += [name] if _with_port(name) else [name, f"{name}:{port}"]
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", *served]
    origins = [f"http://{h}" for h in hosts] + [f"https://{h}" for h in served]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def build_http_app(
    server: MCPServer[Any],
    *,
    host: str,
    port: int,
    auth_token: str | None,
    allowed_hosts: Sequence[str] = (),
    stateless: bool = False,
    extra_routes: Sequence[BaseRoute] = (),
    multi_user: bool = False,
) -> ASGIApp:
    """The ASGI app to serve; refuses a non-loopback bind without a token (or multi-user's OAuth)."""
    if multi_user and auth_token:
        raise ValueError(
            "--multi-user signs each person in with OAuth: it takes no --auth-token (PAYMO_MCP_AUTH_TOKEN)"
        )
    if not is_loopback(host) and not auth_token and not multi_user:
        raise ValueError(
            f"refusing to listen on {host} without an auth token: set --auth-token or "
            "PAYMO_MCP_AUTH_TOKEN (clients then send Authorization: Bearer <token>)"
        )
    app = server.streamable_http_app(
        host=host,
        stateless_http=stateless,
        transport_security=security_settings(host, port, allowed_hosts),
        max_request_body_size=MAX_BODY_BYTES,
    )
    app.router.routes.extend(extra_routes)
    provider = getattr(server, "oauth_provider", None)
    if provider is not None:
        from paymo_mcp.auth.provider import KeyHeader
        from paymo_mcp.auth.revoke import PublicClientRevoke

        served = PublicClientRevoke(app)
        return KeyHeader(served, provider) if provider.key_header else served
    return BearerAuth(app, auth_token) if auth_token else app
