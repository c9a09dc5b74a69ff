"""List cursors: opaque tokens that carry a query's fingerprint and where its next page starts."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from paymo_mcp.client.paymo import MAX_LIMIT


class CursorError(ValueError):
    """A cursor that cannot continue this query; the message is the one line the model sees."""


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the record with id `after_id` (id order), or past `offset` records."""

    after_id: int | None = None
    offset: int = 0
    # The page's shape, kept so that a call with only `cursor` gets pages like the first one.
    limit: int | None = None
    fields: tuple[str, ...] | None = None


def fingerprint(tool: str, query: dict[str, Any]) -> str:
    """A short digest of the arguments that choose the records (filters, search, order)."""
    text = json.dumps([tool, query], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode(query: str, position: Position) -> str:
    body: dict[str, Any] = {"q": query}
    if position.after_id is not None:
        body["a"] = position.after_id
    else:
        body["n"] = position.offset
    if position.limit is not None:
        body["l"] = position.limit
    if position.fields is not None:
        body["f"] = list(position.fields)
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, query: str) -> Position:
    """The position a cursor names, if it was made for this same query."""
    try:
        if len(cursor) > 2000:
            raise ValueError(cursor)
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after, offset, limit, fields = body.get("a"), body.get("n", 0), body.get("l"), body.get("f")
        valid = (
            isinstance(body["q"], str)
            and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
                for v in (after, offset, limit)
            )
            and (limit is None or limit <= MAX_LIMIT)
            and (fields is None or (isinstance(fields, list) and all(isinstance(f, str) for f in fields)))
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        valid = False
    if not valid:
        raise CursorError("cursor: not one this tool gave; pass next_cursor back unchanged")
    if body["q"] != query:
        raise CursorError(
            "cursor: it belongs to a query with other filters, search or order; repeat those "
            "arguments with it, or drop cursor to start again"
        )
    return Position(
        after_id=after,
        offset=offset or 0,
        limit=limit or None,
        fields=tuple(fields) if fields is not None else None,
    )
