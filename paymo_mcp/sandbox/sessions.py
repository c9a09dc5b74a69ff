"""`/api/sessions`: session tokens (32 hex characters) for the `X-Session` header (paymo-api.md §2)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from paymo_mcp.sandbox.errors import ApiError
from paymo_mcp.sandbox.storage import Storage
from paymo_mcp.sandbox.values import iso, parse_datetime

_KEY = "sessions"


def _all(storage: Storage) -> dict[str, dict[str, Any]]:
    stored: dict[str, dict[str, Any]] = storage.kv_get(_KEY) or {}
    return stored


def session_user(storage: Storage, token: str) -> int | None:
    """The user id of a live session, or None."""
    session = _all(storage).get(token)
    if session is None:
        return None
    expires = parse_datetime(session["expires_on"])
    if expires is None or expires <= datetime.now(UTC):
        return None
    return int(session["user_id"])


def create_session(storage: Storage, user_id: int, ip: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    token = secrets.token_hex(16)
    session: dict[str, Any] = {
        "id": token,
        "ip": ip,
        "expires_on": iso(now + timedelta(days=30)),
        "created_on": iso(now),
        "updated_on": iso(now),
        "user_id": user_id,
    }
    sessions = _all(storage)
    sessions[token] = session
    storage.kv_set(_KEY, sessions)
    return session


def list_sessions(storage: Storage, user_id: int) -> list[dict[str, Any]]:
    return [s for s in _all(storage).values() if s["user_id"] == user_id]


def get_session(storage: Storage, user_id: int, token: str) -> dict[str, Any]:
    session = _all(storage).get(token)
    if session is None or session["user_id"] != user_id:
        raise ApiError(404, f"Not found: there is no session with id {token}")
    return session


def delete_session(storage: Storage, user_id: int, token: str) -> None:
    get_session(storage, user_id, token)
    sessions: dict[str, Any] = _all(storage)
    del sessions[token]
    storage.kv_set(_KEY, sessions)
