"""The OAuth 2.1 authorization server in front of Paymo (which has API keys, not OAuth).

Built on the MCP SDK's auth support: its routes serve the metadata (RFC 8414 and RFC 9728), dynamic
client registration (RFC 7591), /authorize (redirect URIs checked against the registration, PKCE S256
required), /token (code and refresh grants, the verifier checked) and /revoke; this provider keeps
the records in the OAuth store and serves the sign-in form where a person pastes their Paymo API key.

A person's grant holds their Paymo key (sealed in the store); access tokens (1 hour) and refresh
tokens (30 days, rotated on every use) point at the grant. A client's token is never sent to Paymo.
The key is checked with GET /me at most once a minute, and at the person's next request after Paymo
refused it (401) on one of their calls: a key revoked in Paymo ends the grant.
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
import time
from typing import Any

import anyio
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, PrivateAttr
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from paymo_mcp.auth.people import People
from paymo_mcp.auth.store import OAuthStore, hashed
from paymo_mcp.client.errors import PaymoAuthError, PaymoError

logger = logging.getLogger("paymo_mcp.auth")

SIGN_IN_PATH = "/sign-in"
CSRF_COOKIE = "paymo_mcp_csrf"
REQUEST_TTL_S = 600
CODE_TTL_S = 300
ACCESS_TTL_S = 3600
REFRESH_TTL_S = 30 * 86400
VERIFY_EVERY_S = 60.0
SWEEP_EVERY_S = 3600.0
PAYMO_KEYS_URL = "https://app.paymoapp.com/#Paymo.module.myaccount/"

WRONG_KEY = "Paymo did not accept this API key: check that you copied all of it, or make a new one."


class PaymoAccessToken(AccessToken):
    """An access token of ours: whose grant it belongs to; the person's AppContext rides along."""

    grant_id: str
    _person: Any = PrivateAttr(default=None)


class PaymoRefreshToken(RefreshToken):
    grant_id: str


class PaymoAuthorizationCode(AuthorizationCode):
    grant_id: str


class PaymoOAuthProvider:
    def __init__(
        self,
        store: OAuthStore,
        people: People,
        issuer_url: str,
        *,
        access_ttl_s: int = ACCESS_TTL_S,
        refresh_ttl_s: int = REFRESH_TTL_S,
        verify_every_s: float = VERIFY_EVERY_S,
        secure_cookies: bool | None = None,
        key_header: bool = False,
    ) -> None:
        self.key_header = key_header  # header mode (PAYMO_MCP_KEY_HEADER): see KeyHeader
        self.store = store
        self.people = people
        self.issuer_url = issuer_url.rstrip("/")
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.verify_every_s = verify_every_s
        self.sweep_grace_s = 60.0  # a grant this young is never swept: its code may not be stored yet
        self.secure_cookies = (
            self.issuer_url.startswith("https://") if secure_cookies is None else secure_cookies
        )
        self._verified: dict[str, float] = {}  # grant id -> when its Paymo key last answered GET /me
        # Header mode: an in-memory token per key fingerprint, never stored, never given out.
        self._header_tokens: dict[str, tuple[str, dict[str, Any]]] = {}  # fingerprint -> (token, grant)
        self._header_grants: dict[str, dict[str, Any]] = {}  # token -> grant

    # -- clients ------------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        data = await self.store.get("client", client_id)
        return OAuthClientInformationFull.model_validate(data) if data else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id is not None
        await self.store.put("client", client_info.client_id, client_info.model_dump(mode="json"), None)

    # -- authorization ------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        request_id = secrets.token_urlsafe(32)
        await self.store.put(
            "request",
            request_id,
            {
                "client_id": client.client_id,
                "client_name": client.client_name or client.client_id,
                "params": params.model_dump(mode="json"),
                "csrf": secrets.token_urlsafe(32),
            },
            time.time() + REQUEST_TTL_S,
        )
        return f"{self.issuer_url}{SIGN_IN_PATH}?request={request_id}"

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> PaymoAuthorizationCode | None:
        key = hashed(authorization_code)
        data = await self.store.get("code", key)
        if data is None:
            used = await self.store.get("usedcode", key)
            if used is not None:  # a code replayed: whatever it gave is revoked (RFC 6749 §4.1.2)
                logger.warning("an authorization code was used twice: its grant is revoked")
                await self._end(used["grant_id"])
            return None
        code = PaymoAuthorizationCode.model_validate(data)
        return code if code.client_id == client.client_id else None

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: PaymoAuthorizationCode
    ) -> OAuthToken:
        key = hashed(authorization_code.code)
        if await self.store.take("code", key) is None:  # taken by a concurrent exchange
            raise TokenError("invalid_grant", "authorization code already used")
        await self.store.put(
            "usedcode", key, {"grant_id": authorization_code.grant_id}, time.time() + REFRESH_TTL_S
        )
        return await self._issue(
            client.client_id or "",
            authorization_code.scopes,
            authorization_code.resource,
            authorization_code.grant_id,
        )

    async def _issue(
        self, client_id: str, scopes: list[str], resource: str | None, grant_id: str
    ) -> OAuthToken:
        grant = await self.store.get("grant", grant_id)
        if grant is None:
            raise TokenError("invalid_grant", "the sign-in was revoked; sign in again")
        now = int(time.time())
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        common = {"client_id": client_id, "scopes": scopes, "resource": resource, "grant_id": grant_id}
        subject = str(grant["user_id"])
        await self.store.put(
            "access",
            hashed(access),
            {**common, "token": "", "expires_at": now + self.access_ttl_s, "subject": subject},
            now + self.access_ttl_s,
            grant_id,
        )
        await self.store.put(
            "refresh",
            hashed(refresh),
            {**common, "token": "", "expires_at": now + self.refresh_ttl_s, "subject": subject},
            now + self.refresh_ttl_s,
            grant_id,
        )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=self.access_ttl_s,
            refresh_token=refresh,
            scope=" ".join(scopes) if scopes else None,
        )

    # -- refresh ------------------------------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> PaymoRefreshToken | None:
        key = hashed(refresh_token)
        data = await self.store.get("refresh", key)
        if data is None:
            used = await self.store.get("usedrefresh", key)
            if used is not None:  # a rotated-out refresh token replayed: stolen, or a copy; end the sign-in
                logger.warning("a refresh token was used after rotation: its grant is revoked")
                await self._end(used["grant_id"])
            return None
        if data["client_id"] != client.client_id:
            return None
        return PaymoRefreshToken.model_validate({**data, "token": refresh_token})

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: PaymoRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        # Rotation: the refresh token is taken (deleted) in the same step that checks it is still there.
        key = hashed(refresh_token.token)
        if await self.store.take("refresh", key) is None:
            raise TokenError("invalid_grant", "refresh token already used or revoked")
        await self.store.put(
            "usedrefresh", key, {"grant_id": refresh_token.grant_id}, time.time() + self.refresh_ttl_s
        )
        return await self._issue(
            client.client_id or "",
            scopes or refresh_token.scopes,
            refresh_token.resource,
            refresh_token.grant_id,
        )

    # -- access -------------------------------------------------------------------------------

    async def header_token(self, api_key: str) -> str | None:
        """Header mode: an internal bearer token for a Paymo key sent in `X-Paymo-Api-Key` (None: Paymo
        refused the key). The key is checked with GET /me like a sign-in, again every `verify_every_s`."""
        fingerprint = hashed("header:" + api_key)
        known = self._header_tokens.get(fingerprint)
        if known is not None:
            return known[0]
        client = self.people.check_client(api_key)
        try:
            async with client:
                me = await client.read_one("me", "users")
        except PaymoError:
            return None
        token = secrets.token_urlsafe(32)
        grant: dict[str, Any] = {
            "grant_id": f"header-{fingerprint[:16]}",
            "api_key": api_key,
            "user_id": int(me["id"]),
        }
        self._header_tokens[fingerprint] = (token, grant)
        self._header_grants[token] = grant
        self._verified[grant["grant_id"]] = time.monotonic()
        return token

    async def _header_access(self, token: str, grant: dict[str, Any]) -> PaymoAccessToken | None:
        grant_id = grant["grant_id"]
        if self._due(grant_id, grant) and not await self._key_still_works(grant_id, grant):
            self._header_grants.pop(token, None)
            self._header_tokens.pop(hashed("header:" + grant["api_key"]), None)
            return None
        access = PaymoAccessToken(
            token=token,
            client_id="x-paymo-api-key",
            scopes=[],
            grant_id=grant_id,
            subject=str(grant["user_id"]),
        )
        access._person = await self.people.context(int(grant["user_id"]), grant["api_key"])
        return access

    async def load_access_token(self, token: str) -> PaymoAccessToken | None:
        header_grant = self._header_grants.get(token)
        if header_grant is not None:
            return await self._header_access(token, header_grant)
        data = await self.store.get("access", hashed(token))
        if data is None:
            return None
        grant_id = data["grant_id"]
        grant = await self.store.get("grant", grant_id)
        if grant is None:
            return None
        if self._due(grant_id, grant) and not await self._key_still_works(grant_id, grant):
            return None
        access = PaymoAccessToken.model_validate({**data, "token": token})
        access._person = await self.people.context(int(grant["user_id"]), grant["api_key"])
        return access

    def _due(self, grant_id: str, grant: dict[str, Any]) -> bool:
        """Whether the grant's Paymo key is to be checked now: every `verify_every_s`, and at once after
        Paymo refused it on one of the person's calls."""
        stale = time.monotonic() - self._verified.get(grant_id, -1e18) >= self.verify_every_s
        return stale or self.people.refused(int(grant["user_id"]))

    async def _key_still_works(self, grant_id: str, grant: dict[str, Any]) -> bool:
        """GET /me with the person's key, at most every `verify_every_s`: a key revoked in Paymo ends
        the grant (its tokens answer 401 invalid_token from then on). Paymo being unreachable does not."""
        client = self.people.check_client(grant["api_key"])
        try:
            async with client:
                await client.read_one("me", "users")
        except PaymoAuthError:
            logger.info("a signed-in person's Paymo key no longer works: their grant is revoked")
            await self._end(grant_id, grant)
            return False
        except PaymoError:
            return True
        self._verified[grant_id] = time.monotonic()
        self.people.checked(int(grant["user_id"]))
        return True

    async def revoke_token(self, token: PaymoAccessToken | PaymoRefreshToken) -> None:
        await self._end(token.grant_id)

    async def _end(self, grant_id: str, grant: dict[str, Any] | None = None) -> None:
        """End a sign-in: its grant, codes and tokens. When it was the person's last one, their watch
        stops too: their hooks are removed (`People.sign_out`), so nothing of theirs is received any
        more. Another live sign-in of the same Paymo user (a second chat app) keeps it going."""
        grant = grant or await self.store.get("grant", grant_id)
        await self.store.delete_grant(grant_id)
        self._verified.pop(grant_id, None)
        if grant is None:
            return
        user_id = int(grant["user_id"])
        if any(int(other["user_id"]) == user_id for _, other in await self.store.every("grant")):
            return
        await self.people.sign_out(user_id, grant["api_key"])

    async def sweep(self) -> int:
        """End the sign-ins nobody can use any more (no live code, access or refresh token: unused for
        the refresh token's 30 days), so no Paymo key is kept, and no hook fed, for someone gone.
        Expired records are deleted on the way. Returns how many sign-ins ended."""
        await self.store.purge_expired()
        in_use = {
            data.get("grant_id")
            for kind in ("code", "access", "refresh")
            for _, data in await self.store.every(kind)
        }
        ended = 0
        for grant_id, grant in await self.store.every("grant"):
            age = time.time() - float(grant.get("created") or 0)
            if grant_id not in in_use and age >= self.sweep_grace_s:
                await self._end(grant_id, grant)
                ended += 1
        return ended

    async def sweep_forever(self, every_s: float = SWEEP_EVERY_S) -> None:
        """`sweep` at start and then every `every_s`, for the server's lifetime; a failure is logged."""
        while True:
            try:
                ended = await self.sweep()
                if ended:
                    logger.info("%d unused sign-ins ended", ended)
            except Exception as exc:  # the store or Paymo away: try again next time
                logger.warning("the sign-in sweep failed: %s", type(exc).__name__)
            await anyio.sleep(every_s)

    # -- the sign-in form ---------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [Route(SIGN_IN_PATH, self._sign_in, methods=["GET", "POST"])]

    async def _sign_in(self, request: Request) -> Response:
        if request.method == "GET":
            request_id = request.query_params.get("request", "")
            pending = await self.store.get("request", request_id) if request_id else None
            if pending is None:
                return _page("Sign-in link expired", _EXPIRED, 400)
            response = _page("Sign in with your Paymo API key", _form(request_id, pending))
            response.set_cookie(
                CSRF_COOKIE,
                pending["csrf"],
                max_age=REQUEST_TTL_S,
                path=SIGN_IN_PATH,
                httponly=True,
                samesite="strict",
                secure=self.secure_cookies,
            )
            return response
        form = await request.form()
        request_id = str(form.get("request", ""))
        pending = await self.store.get("request", request_id) if request_id else None
        if pending is None:
            return _page("Sign-in link expired", _EXPIRED, 400)
        sent, cookie = str(form.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "")
        if not (
            hmac.compare_digest(sent.encode(), pending["csrf"].encode())
            and hmac.compare_digest(cookie.encode(), pending["csrf"].encode())
        ):
            return _page("Refused", "<p class=error>This form was not sent from the sign-in page (CSRF check "
                         "failed). Start the sign-in again from your chat app.</p>", 403)  # fmt: skip
        action = str(form.get("action", "check"))
        if action == "deny":
            await self.store.delete("request", request_id)
            return _redirect(pending, error="access_denied")
        if action == "approve" and pending.get("api_key"):
            if await self.store.take("request", request_id) is None:
                return _page("Sign-in link expired", _EXPIRED, 400)
            return await self._approve(pending)
        api_key = str(form.get("api_key", "")).strip()
        if not api_key:
            return _page(
                "Sign in with your Paymo API key",
                _form(request_id, pending, "Paste your Paymo API key."),
                400,
            )
        client = self.people.check_client(api_key)
        try:
            async with client:
                me = await client.read_one("me", "users")
        except PaymoAuthError:
            return _page("Sign in with your Paymo API key", _form(request_id, pending, WRONG_KEY), 400)
        except PaymoError:
            message = "Paymo could not be reached to check the key; try again in a moment."
            return _page("Sign in with your Paymo API key", _form(request_id, pending, message), 502)
        who = {
            "user_id": int(me["id"]),
            "name": str(me.get("name") or ""),
            "email": str(me.get("email") or ""),
        }
        await self.store.put(
            "request", request_id, {**pending, "api_key": api_key, "who": who}, time.time() + REQUEST_TTL_S
        )
        return _page("Allow access to your Paymo account?", _confirm(request_id, pending, who))

    async def _approve(self, pending: dict[str, Any]) -> Response:
        grant_id = secrets.token_urlsafe(24)
        who = pending["who"]
        await self.store.put(
            "grant",
            grant_id,
            {"api_key": pending["api_key"], **who, "client_id": pending["client_id"], "created": time.time()},
            None,
            grant_id,
        )
        self._verified[grant_id] = time.monotonic()
        params = AuthorizationParams.model_validate(pending["params"])
        code = secrets.token_urlsafe(32)
        record = PaymoAuthorizationCode(
            code="",
            scopes=params.scopes or [],
            expires_at=time.time() + CODE_TTL_S,
            client_id=pending["client_id"],
            code_challenge=params.code_challenge,
            redirect_uri=AnyUrl(str(params.redirect_uri)),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
            subject=str(who["user_id"]),
            grant_id=grant_id,
        )
        await self.store.put(
            "code",
            hashed(code),
            {**record.model_dump(mode="json"), "code": code},
            record.expires_at,
            grant_id,
        )
        return _redirect(pending, code=code)


def _redirect(pending: dict[str, Any], **query: str) -> Response:
    params = pending["params"]
    target = construct_redirect_uri(str(params["redirect_uri"]), **query, state=params.get("state"))
    return _secure(RedirectResponse(target, status_code=303))


_EXPIRED = "<p class=error>This sign-in link has expired or is not valid. Start again from your chat app.</p>"
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}"
    "input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}"
    "button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.error{color:#b00020;font-weight:600}"
)


def _hidden(request_id: str, pending: dict[str, Any]) -> str:
    return (
        f'<input type=hidden name=request value="{html.escape(request_id)}">'
        f'<input type=hidden name=csrf value="{html.escape(pending["csrf"])}">'
    )


def _form(request_id: str, pending: dict[str, Any], error: str | None = None) -> str:
    client = html.escape(pending["client_name"])
    line = f"<p class=error id=error role=alert>{html.escape(error)}</p>" if error else ""
    return (
        f"<p><strong>{client}</strong> asks to work in your Paymo account.</p>{line}"
        f'<form method=post action="{SIGN_IN_PATH}">{_hidden(request_id, pending)}'
        "<input type=hidden name=action value=check>"
        "<label for=api_key>Your Paymo API key</label>"
        "<input type=password id=api_key name=api_key autocomplete=off required>"
        f'<p><small>Make one in Paymo under <a href="{PAYMO_KEYS_URL}" target=_blank rel=noopener>'
        "My Account &gt; API Keys</a>. It is kept encrypted and used only for your own requests.</small></p>"
        "<button type=submit>Check key</button></form>"
    )


def _confirm(request_id: str, pending: dict[str, Any], who: dict[str, Any]) -> str:
    client = html.escape(pending["client_name"])
    name, email = html.escape(who["name"]), html.escape(who["email"])
    return (
        f"<p id=account>This key is <strong>{name}</strong>'s ({email}).</p>"
        f"<p>Allow <strong>{client}</strong> to work in Paymo as {name}? You will be sent back to "
        f"<strong>{_origin(pending)}</strong>.</p>"
        f'<form method=post action="{SIGN_IN_PATH}">{_hidden(request_id, pending)}'
        "<button type=submit name=action value=approve>Allow</button> "
        "<button type=submit name=action value=deny>Cancel</button></form>"
    )


def _origin(pending: dict[str, Any]) -> str:
    """Where Allow sends the browser (the client's registered redirect URI): its scheme and host, so a
    person can tell a client that only calls itself by a famous name."""
    from urllib.parse import urlsplit

    parts = urlsplit(str(pending["params"]["redirect_uri"]))
    return html.escape(f"{parts.scheme}://{parts.netloc}")


def _page(title: str, body: str, status: int = 200) -> Response:
    text = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f'<meta name=viewport content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return _secure(HTMLResponse(text, status_code=status))


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class KeyHeader:
    """Header mode (PAYMO_MCP_KEY_HEADER=1 only): a request to /mcp with `X-Paymo-Api-Key` and no
    Authorization header runs as that key's user. What it trusts: whoever sends a working Paymo key is
    that key's user, exactly as Paymo itself does; the key travels on every request (TLS in front)."""

    def __init__(self, app: Any, provider: PaymoOAuthProvider) -> None:
        self.app = app
        self.provider = provider

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            api_key = headers.get(b"x-paymo-api-key", b"").decode("latin-1").strip()
            if api_key and b"authorization" not in headers:
                token = await self.provider.header_token(api_key)
                if token is None:
                    refused = JSONResponse(
                        {"error": "invalid_token", "error_description": "Paymo refused the X-Paymo-Api-Key"},
                        status_code=401,
                        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    )
                    await refused(scope, receive, send)
                    return
                kept = [(k, v) for k, v in scope["headers"] if k != b"x-paymo-api-key"]
                scope = {**scope, "headers": [*kept, (b"authorization", f"Bearer {token}".encode())]}
        await self.app(scope, receive, send)
