"""Multi-user mode: the OAuth 2.1 server in front of Paymo, with httpx; each hostile case refused."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import CANARY_KEY, INIT, MCP_HEADERS, control
from tests.oauth_flow import (
    REDIRECT,
    SECRET,
    as_if_later,
    authorize,
    exchange,
    hidden,
    multi_user_server,
    pkce,
    refresh,
    register,
    register_client,
    sign_in,
    tokens_for,
)
from tests.postgres import PostgresCluster


def mcp_post(url: str, token: str | None) -> httpx.Response:
    headers = dict(MCP_HEADERS)
    if token:
        headers["authorization"] = f"Bearer {token}"
    return httpx.post(f"{url}/mcp", json=INIT, headers=headers)


def test_metadata_and_401_point_clients_to_the_authorization_server(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv:
        refused = mcp_post(srv.url, None)
        assert refused.status_code == 401
        challenge = refused.headers["www-authenticate"]
        assert f'resource_metadata="{srv.url}/.well-known/oauth-protected-resource/mcp"' in challenge
        resource = httpx.get(f"{srv.url}/.well-known/oauth-protected-resource/mcp").json()
        assert resource["resource"] == f"{srv.url}/mcp"
        assert resource["authorization_servers"] == [f"{srv.url}/"] or resource["authorization_servers"] == [
            srv.url
        ]
        meta = httpx.get(f"{srv.url}/.well-known/oauth-authorization-server").json()
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert meta["registration_endpoint"] == f"{srv.url}/register"
        assert meta["revocation_endpoint"] == f"{srv.url}/revoke"
        assert "refresh_token" in meta["grant_types_supported"]


def test_the_whole_flow_then_refresh_rotates_and_revocation_ends_it(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id, tokens = tokens_for(http, srv.url, CANARY_KEY)
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
        assert CANARY_KEY not in str(tokens)
        assert mcp_post(srv.url, tokens["access_token"]).status_code == 200
        renewed = refresh(http, srv.url, client_id, tokens["refresh_token"])
        assert renewed.status_code == 200
        new = renewed.json()
        assert new["refresh_token"] != tokens["refresh_token"]
        assert mcp_post(srv.url, new["access_token"]).status_code == 200
        revoked = http.post(
            f"{srv.url}/revoke",
            data={"token": new["access_token"], "client_id": client_id},  # a public client: no secret
        )
        assert revoked.status_code == 200, revoked.text
        assert mcp_post(srv.url, new["access_token"]).status_code == 401
        refreshed = refresh(http, srv.url, client_id, new["refresh_token"])
        assert refreshed.json()["error"] == "invalid_grant"
    # the key is stored sealed
    raw = (tmp_path / "oauth.sqlite3").read_bytes()
    assert CANARY_KEY.encode() not in raw and SECRET.encode() not in raw


def test_a_refresh_token_survives_a_restart(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id, tokens = tokens_for(http, srv.url, CANARY_KEY)
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        renewed = refresh(http, srv.url, client_id, tokens["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        assert mcp_post(srv.url, renewed.json()["access_token"]).status_code == 200


def test_the_form_is_plain_protected_and_a_wrong_key_is_one_line(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id = register(http, srv.url)
        _, challenge = pkce()
        form = http.get(authorize(http, srv.url, client_id, challenge).headers["location"])
        assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
        assert form.headers["x-frame-options"] == "DENY"
        assert "name=api_key" in form.text and "<script" not in form.text
        assert "samesite=strict" in form.headers["set-cookie"].lower()
        data = {"request": hidden(form.text, "request"), "csrf": hidden(form.text, "csrf"), "action": "check"}
        wrong = http.post(f"{srv.url}/sign-in", data={**data, "api_key": "not-a-key"})
        assert wrong.status_code == 400
        assert wrong.text.count("class=error") == 1 and "Paymo did not accept this API key" in wrong.text
        right = http.post(f"{srv.url}/sign-in", data={**data, "api_key": f"{CANARY_KEY}-2"})
        assert "Maria Lopez" in right.text and f"{CANARY_KEY}-2" not in right.text
        assert "sent back to <strong>http://127.0.0.1:9</strong>" in right.text


def test_hostile_unregistered_redirect_uri(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id = register(http, srv.url)
        _, challenge = pkce()
        answer = http.get(
            f"{srv.url}/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": "https://evil.example/steal",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": "s",
            },
        )
        assert answer.status_code == 400 and "location" not in answer.headers  # never redirected there
        assert answer.json()["error"] == "invalid_request"
        plain = authorize(http, srv.url, client_id, "x" * 43)
        plain_q = http.get(str(plain.request.url).replace("S256", "plain"))
        assert parse_qs(urlsplit(plain_q.headers["location"]).query)["error"] == ["invalid_request"]


def test_hostile_code_reused_and_wrong_verifier(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id = register(http, srv.url)
        code, verifier = sign_in(http, srv.url, client_id, CANARY_KEY)
        wrong = exchange(http, srv.url, client_id, code, verifier + "x")
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        first = exchange(http, srv.url, client_id, code, verifier)
        assert first.status_code == 200
        second = exchange(http, srv.url, client_id, code, verifier)
        assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
        # a replayed code revokes what it gave
        assert mcp_post(srv.url, first.json()["access_token"]).status_code == 401


def test_hostile_expired_token(fresh: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        _, tokens = tokens_for(http, srv.url, CANARY_KEY)
        assert mcp_post(srv.url, tokens["access_token"]).status_code == 200
        # An hour and a minute on (the access token lives an hour), whatever the machine's speed.
        as_if_later(monkeypatch, 3660)
        expired = mcp_post(srv.url, tokens["access_token"])
        assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["www-authenticate"]


def test_hostile_token_after_the_paymo_key_was_revoked(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        srv.provider.verify_every_s = 0
        client_id, tokens = tokens_for(http, srv.url, f"{CANARY_KEY}-2")
        assert mcp_post(srv.url, tokens["access_token"]).status_code == 200
        control(fresh, "revoke_key", {"api_key": f"{CANARY_KEY}-2"})
        refused = mcp_post(srv.url, tokens["access_token"])
        assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
        assert CANARY_KEY not in refused.text
        refused = refresh(http, srv.url, client_id, tokens["refresh_token"])
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("forgery", ["csrf field", "csrf cookie", "request id"])
def test_hostile_forged_form_post(fresh: SandboxServer, tmp_path: Path, forgery: str) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id = register(http, srv.url)
        _, challenge = pkce()
        form = http.get(authorize(http, srv.url, client_id, challenge).headers["location"])
        data = {"request": hidden(form.text, "request"), "csrf": hidden(form.text, "csrf"), "action": "check"}
        http.post(f"{srv.url}/sign-in", data={**data, "api_key": CANARY_KEY})
        if forgery == "csrf field":
            data["csrf"] = "forged"
        elif forgery == "csrf cookie":
            http.cookies.clear()
        else:
            data["request"] = "forged"
        answer = http.post(f"{srv.url}/sign-in", data={**data, "action": "approve"})
        assert answer.status_code in (400, 403) and "location" not in answer.headers
        assert "code=" not in answer.text


def test_the_state_comes_back_unchanged_for_the_client_to_check(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id = register(http, srv.url)
        sign_in(http, srv.url, client_id, CANARY_KEY, state="a b&c=d")  # asserts the state round-trips
        assert REDIRECT.startswith("http://127.0.0.1")


def test_replicas_on_postgresql_share_sign_ins(
    fresh: SandboxServer, tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    import anyio
    from pydantic import SecretStr

    url = postgres_cluster.url(anyio.run(postgres_cluster.create_database))
    shared = {"database_url": SecretStr(url)}
    with (
        multi_user_server(fresh, tmp_path / "a", **shared) as a,
        multi_user_server(fresh, tmp_path / "b", **shared) as b,
        httpx.Client() as http,
    ):
        client_id, tokens = tokens_for(http, a.url, CANARY_KEY)  # signed in on replica A
        assert mcp_post(b.url, tokens["access_token"]).status_code == 200  # used on replica B
        renewed = refresh(http, b.url, client_id, tokens["refresh_token"])
        assert renewed.status_code == 200
        replay = refresh(http, a.url, client_id, tokens["refresh_token"])
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert not (tmp_path / "a" / "oauth.sqlite3").exists()


def test_hostile_a_rotated_out_refresh_token_replayed_ends_the_sign_in(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id, tokens = tokens_for(http, srv.url, CANARY_KEY)
        new = refresh(http, srv.url, client_id, tokens["refresh_token"]).json()
        replay = refresh(http, srv.url, client_id, tokens["refresh_token"])
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        assert mcp_post(srv.url, new["access_token"]).status_code == 401  # the whole sign-in ended
        assert refresh(http, srv.url, client_id, new["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_key_header_mode_only_when_enabled(fresh: SandboxServer, tmp_path: Path) -> None:
    headers = {**MCP_HEADERS, "x-paymo-api-key": f"{CANARY_KEY}-2"}
    with multi_user_server(fresh, tmp_path / "off") as srv:
        assert httpx.post(f"{srv.url}/mcp", json=INIT, headers=headers).status_code == 401
    with multi_user_server(fresh, tmp_path / "on", key_header=True) as srv:
        srv.provider.verify_every_s = 0
        assert httpx.post(f"{srv.url}/mcp", json=INIT, headers=headers).status_code == 200
        wrong = httpx.post(f"{srv.url}/mcp", json=INIT, headers={**headers, "x-paymo-api-key": "nope"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_token"
        control(fresh, "revoke_key", {"api_key": f"{CANARY_KEY}-2"})
        assert httpx.post(f"{srv.url}/mcp", json=INIT, headers=headers).status_code == 401
        assert (
            not (tmp_path / "on" / "oauth.sqlite3").exists()
            or CANARY_KEY.encode() not in (tmp_path / "on" / "oauth.sqlite3").read_bytes()
        )


def test_revocation_a_public_client_sends_no_secret_a_confidential_one_must(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        registered = register_client(http, srv.url, auth_method="client_secret_post")
        client_id, client_secret = registered["client_id"], registered["client_secret"]
        code, verifier = sign_in(http, srv.url, client_id, CANARY_KEY)
        answer = http.post(
            f"{srv.url}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": verifier,
            },
        )
        access = answer.json()["access_token"]
        form = {"token": access, "client_id": client_id}
        for without in ({}, {"client_secret": "wrong"}):
            refused = http.post(f"{srv.url}/revoke", data={**form, **without})
            assert refused.status_code == 401 and refused.json()["error"] == "unauthorized_client"
            assert client_secret not in refused.text
        assert mcp_post(srv.url, access).status_code == 200  # nothing was revoked
        done = http.post(f"{srv.url}/revoke", data={**form, "client_secret": client_secret})
        assert done.status_code == 200 and mcp_post(srv.url, access).status_code == 401
