"""The cap on one tool answer (40,000 characters of text): what fits, and cutting one record to fit."""

from __future__ import annotations

from typing import Any

from paymo_mcp.tools.toolkit import compact_json

MAX_ANSWER_CHARS = 40_000
# Kept free for a list's envelope: count, more, next_cursor and a note.
ENVELOPE_CHARS = 1_000
NARROW = "ask for less with fields, filters or search"


def size(value: Any) -> int:
    return len(compact_json(value))


def shrink(value: Any, room: int) -> tuple[Any, list[str]]:
    """`value` cut to at most `room` characters of JSON: its biggest texts shortened and its biggest
    lists cut, largest first; with the names of what was cut."""
    cut: list[str] = []
    while isinstance(value, dict) and value and size(value) > room:
        value = dict(value)
        over = size(value) - room
        name = max(value, key=lambda k: size(value[k]))
        part = value[name]
        if isinstance(part, str) and len(part) > over + 24:
            value[name] = part[: len(part) - over - 24] + "…[cut]"
        elif isinstance(part, list) and len(part) > 1:
            value[name] = part[: len(part) // 2]
        elif isinstance(part, dict) and size(part) > over + 24:
            value[name], _ = shrink(part, size(part) - over - 24)
        else:
            value[name] = None
        if name not in cut:
            cut.append(name)
    return value, cut


def cut_note(record_id: Any, cut: list[str]) -> str:
    return (
        f"Record {record_id} was cut to fit {MAX_ANSWER_CHARS:,} characters ({', '.join(cut)} shortened); "
        "ask for fewer fields or includes."
    )


def within_cap(record: dict[str, Any]) -> dict[str, Any]:
    """One record as a whole answer: as it is, or cut to fit the cap with a note saying what was cut."""
    room = MAX_ANSWER_CHARS - 500  # for the note
    if size(record) <= room:
        return record
    smaller, cut = shrink(record, room)
    return {**smaller, "note": cut_note(record.get("id"), cut)}
