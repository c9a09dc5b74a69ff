"""The values the watch store hands out: a batch of new records, and a registered Paymo hook."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr


@dataclass(frozen=True)
class TakeResult:
    """Records returned to a watcher by one take, oldest first, and how many matching ones still wait."""

    records: list[dict[str, Any]]
    remaining: int
    new_watcher: bool = False  # True when this take created the watcher (it starts from now or `since`)
    cursor: str = ""  # names this answer: pass it back to resume right after it


@dataclass(frozen=True)
class HookRecord:
    """A Paymo hook this server registered; the secret is a SecretStr and left out of repr and str."""

    resource: str  # our resource name: "time_entries"
    hook_id: int  # Paymo's id of the hook
    event: str  # "model.insert.Entry"
    target_url: str
    secret: SecretStr = field(repr=False)


MAX_ID = 2**63 - 1  # SQLite's largest integer, and far beyond any Paymo id


def record_id_of(record: Mapping[str, Any]) -> int:
    """A record's Paymo id as an int (Paymo sends 5 or, in some deliveries, "5"); ValueError otherwise."""
    value = record.get("id")
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return value
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    raise ValueError(f"a record needs an integer `id` from 0 to {MAX_ID}, got {shown}")
