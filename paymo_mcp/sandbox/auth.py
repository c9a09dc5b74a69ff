"""Who is calling: an API key as the Basic-auth user name, email + password, or an `X-Session` token."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from paymo_mcp.sandbox.errors import ApiError
from paymo_mcp.sandbox.schema import Record
from paymo_mcp.sandbox.sessions import session_user
from paymo_mcp.sandbox.storage import Storage

UNAUTHORIZED = (
    "Unauthorized: send your API key as the HTTP Basic user name (any password), "
    "or your email and password, or an X-Session token"
)


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def authenticate(storage: Storage, headers: Mapping[str, str]) -> Record:
    """The active user the request speaks for; 401 otherwise."""
    user: Record | None = None
    token = headers.get("x-session")
    if token:
        user_id = session_user(storage, token)
        user = storage.get("users", user_id) if user_id is not None else None
    elif (credentials := _basic(headers.get("authorization", ""))) is not None:
        name, password = credentials
        found = storage.select("users", "t.api_key = ?", [name])
        if not found and password:
            found = [
                u
                for u in storage.select("users", "t.email = ? COLLATE NOCASE", [name])
                if u.get("password") and u["password"] == password
            ]
        user = found[0] if found else None
    if user is None or not user.get("active"):
        raise ApiError(401, UNAUTHORIZED)
    return user
