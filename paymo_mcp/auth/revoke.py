"""/revoke for public clients as RFC 7009 has it: `token` and `client_id`, no `client_secret` at all.

The SDK's revocation handler (mcp 2.3) declares `client_secret` required-but-nullable, so a public
client's request without it is refused as `invalid_request`. This wrapper adds an empty one to such a
form before the SDK reads it; a client registered with a secret still has to send the right one.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REVOKE_PATH = "/revoke"
MAX_FORM_BYTES = 64 * 1024  # a revocation form is a few hundred bytes; larger ones pass through as sent


class PublicClientRevoke:
    """ASGI wrapper: a POST /revoke form without `client_secret` gets an empty one; all else as sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != REVOKE_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, more, extra = b"", True, []
        while more and len(body) <= MAX_FORM_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                extra.append(message)
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        kind = dict(scope["headers"]).get(b"content-type", b"")
        form = kind.startswith(b"application/x-www-form-urlencoded")
        if form and not more and "client_secret" not in dict(parse_qsl(body.decode("latin-1"))):
            body += b"&client_secret=" if body else b"client_secret="
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": more}, *extra]

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)
