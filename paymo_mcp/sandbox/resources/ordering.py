"""`<children>_order: [ids]`: tasks in a list, lists in a project, subtasks in a task (subsets allowed)."""

from __future__ import annotations

from typing import Any

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.storage import q
from paymo_mcp.sandbox.values import Kind, coerce


def reorder(ctx: Ctx, resource: str, parent_field: str, parent_id: int, key: str, value: Any) -> None:
    """Put the named records first, in the given order; the others follow in their previous order."""
    ids = coerce(Kind.IDS, key, value)
    siblings = ctx.find(resource, f"t.{q(parent_field)} = ?", [parent_id], order="t.seq, t.id")
    known = {s["id"] for s in siblings}
    strangers = [i for i in ids if i not in known]
    if strangers:
        raise bad_request(f"Invalid {key}: {strangers} are not in this {ctx.res(resource).label} list")
    ranked = ids + [s["id"] for s in siblings if s["id"] not in ids]
    for position, record_id in enumerate(ranked):
        ctx.storage.update(resource, record_id, {"seq": position})


def next_seq(ctx: Ctx, resource: str, parent_field: str, parent_id: int) -> int:
    last = ctx.storage.scalar(f"SELECT MAX(seq) FROM {q(resource)} WHERE {q(parent_field)} = ?", [parent_id])
    return 0 if last is None else int(last) + 1
