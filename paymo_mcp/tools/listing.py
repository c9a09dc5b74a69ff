"""One page of a list tool: keyset paging by id (or offsets for another order), search by `like`,
and an answer that stays under the size cap, with the cursor of the next page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from paymo_mcp.client import Condition, build_include, build_where
from paymo_mcp.client.paymo import Walk
from paymo_mcp.models.common import ListFilters
from paymo_mcp.tools.answer_size import ENVELOPE_CHARS, MAX_ANSWER_CHARS, NARROW, cut_note, shrink, size
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.cursor import Position, encode

# Arguments that shape the answer but do not choose its records: a cursor survives changing them.
SHAPE = frozenset({"cursor", "limit", "fields", "include"})
_NOT_WHERE = ("search", "cursor")
ROOM = MAX_ANSWER_CHARS - ENVELOPE_CHARS


def select_fields(
    record: dict[str, Any], fields: list[str] | None, include: list[str] | None
) -> dict[str, Any]:
    if not fields:
        return record
    keep = {"id", *fields, *(key.split(".", 1)[0] for key in include or ())}
    return {k: v for k, v in record.items() if k in keep}


def listing_arguments(filters: type[ListFilters]) -> type[ListFilters]:
    """The filters of a list tool, whose `search` and `cursor` arguments are not `where` conditions."""

    def conditions(self: ListFilters) -> list[Condition]:
        return [c for c in filters.conditions(self) if c.field not in _NOT_WHERE]

    return type(
        f"{filters.__name__}Listing", (filters,), {"conditions": conditions, "__doc__": filters.__doc__}
    )


def _like(text: str) -> str:
    # Paymo's `like` is MySQL's: `%` around the text finds it anywhere, in any case. A `%` or `_` in the
    # text stays a wildcard there (escaping through Paymo's where parser is undocumented): it can only
    # widen the match, never miss a record.
    return f"%{text}%"


class Listing:
    """The records of one list call, from its filters and the position its cursor names."""

    def __init__(self, spec: Any, args: Any, start: Position) -> None:
        self.spec, self.args, self.start = spec, args, start
        words = (args.order or "id").split()
        self.keyset = words[0] == "id"  # id order pages by id, so records added or removed shift nothing
        self.descending = words[-1] == "desc"
        self.order = ("id desc" if self.descending else "id asc") if self.keyset else args.order

    def _fits(self, records: Sequence[dict[str, Any]]) -> bool:
        shown = (select_fields(r, self.args.fields, self.args.include) for r in records)
        return sum(size(r) + 1 for r in shown) > ROOM

    async def fetch(
        self, app: AppContext, conditions: list[Condition], progress: Callable[[int, int], Awaitable[None]]
    ) -> Walk:
        """The records from the start position (one more than the limit, to know if more follow)."""
        spec, args = self.spec, self.args
        if self.keyset and self.start.after_id is not None:
            conditions = [*conditions, Condition("id", "<" if self.descending else ">", self.start.after_id)]
        search = getattr(args, "search", None)
        alternatives = [[Condition(f, "like", _like(search))] for f in spec.search_fields] if search else [[]]
        if len(alternatives) > 1 and not self.keyset:
            raise ToolError(
                f"order: search pages {spec.plural_noun} by id; use order 'id asc' or 'id desc' with it"
            )
        walks = [
            await app.client.walk(
                spec.path,
                spec.key,
                where=build_where([*conditions, *alternative]),
                include=build_include(args.include),
                order=self.order,
                limit=args.limit + 1,
                offset=0 if self.keyset else self.start.offset,
                enough=self._fits,
                on_page=progress,
            )
            for alternative in alternatives
        ]
        return walks[0] if len(walks) == 1 else self._merge(walks)

    def _merge(self, walks: list[Walk]) -> Walk:
        """Several id-ordered answers (one per searched field) as one, up to where each is known whole."""
        by_id: dict[int, dict[str, Any]] = {}
        for walk in walks:
            for record in walk.records:
                by_id.setdefault(int(record["id"]), record)
        ids = sorted(by_id, reverse=self.descending)
        ends = [int(w.records[-1]["id"]) for w in walks if not w.exhausted and w.records]
        if ends:
            bound = max(ends) if self.descending else min(ends)
            ids = [i for i in ids if (i >= bound if self.descending else i <= bound)]
        return Walk([by_id[i] for i in ids], exhausted=not ends)

    def answer(self, found: Walk, query: str) -> dict[str, Any]:
        """The page: records up to the limit and the size cap, `more`, `next_cursor` and a note."""
        args = self.args
        kept: list[dict[str, Any]] = []
        used, note, full = 0, None, False
        for record in found.records[: args.limit]:
            shown = select_fields(record, args.fields, args.include)
            cost = size(shown) + 1
            if used + cost > ROOM:
                if kept:
                    full = True
                    break
                shown, cut = shrink(shown, ROOM)
                note, cost = cut_note(shown.get("id"), cut), size(shown) + 1
            kept.append(shown)
            used += cost
        more = len(kept) < len(found.records) or not found.exhausted
        next_cursor = None
        if more and kept:
            shape: dict[str, Any] = {
                "limit": args.limit,
                "fields": tuple(args.fields) if args.fields is not None else None,
            }
            position = (
                Position(after_id=int(kept[-1]["id"]), **shape)
                if self.keyset
                else Position(offset=self.start.offset + len(kept), **shape)
            )
            next_cursor = encode(query, position)
        if full:
            note = f"Stopped at {MAX_ANSWER_CHARS:,} characters: continue with cursor, or {NARROW}."
        page: dict[str, Any] = {
            self.spec.name: kept,
            "count": len(kept),
            "more": more,
            "next_cursor": next_cursor,
        }
        if note:
            page["note"] = note
        return page
