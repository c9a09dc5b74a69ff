"""Paymo webhook signatures: X-Paymo-Signature = "sha1=" + hex HMAC-SHA1(secret, raw body)."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha1="


def sign(secret: str, body: bytes) -> str:
    """The X-Paymo-Signature value Paymo sends for this body under this secret."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether the header is the body's signature; compared in constant time, a missing header fails."""
    if not header or not secret:
        return False
    expected = sign(secret, body)
    # Case-insensitive hex, as the digest Paymo sends is lowercase but senders vary.
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())
