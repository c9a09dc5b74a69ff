"""One request's view of the account: reads (where, include, order, paging) and writes through the rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from paymo_mcp.sandbox.errors import ApiError, bad_request, unknown_reference
from paymo_mcp.sandbox.includes import Node, attach_conditions, parse_include
from paymo_mcp.sandbox.quirks import Quirks, as_html, number_text
from paymo_mcp.sandbox.schema import Record, Resource
from paymo_mcp.sandbox.storage import Storage, q
from paymo_mcp.sandbox.values import Kind, coerce, iso
from paymo_mcp.sandbox.where import compile_where, parse_where

MAX_PER_RESPONSE = 2500  # Paymo's silent cap per resource type in one response (paymo-api.md §6)
Budget = dict[str, int]  # records of each resource type already in the response being built
_CHUNK = 900


@dataclass
class Event:
    """A change webhooks may be told about: `model.<action>.<Model>`."""

    action: str  # insert, update, delete, start, stop
    resource: str
    record_id: int
    model: str
    hooks: list[int] | None = None  # deletes: the hooks matched while the record still existed

    @property
    def name(self) -> str:
        return f"model.{self.action}.{self.model}"


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != []


def order_sql(res: Resource, text: str | None) -> str:
    """`order=due_date desc` (comma-separated keys allowed); ties and the default go by id ascending."""
    parts: list[str] = []
    for chunk in (text or "").split(","):
        words = chunk.split()
        if not words:
            continue
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc"):
            raise bad_request(
                f"Invalid order `{chunk.strip()}`: use `<field>`, `<field> asc` or `<field> desc`"
            )
        if not res.visible(words[0]):
            raise unknown_reference(words[0])
        parts.append(f"t.{q(words[0])} {direction.upper()}")
    if not any(p.startswith('t."id" ') for p in parts):
        parts.append("t.id ASC")
    return ", ".join(parts)


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """(limit, offset): `page` (0-based) and `page_size` work only together; the cap is 2500 either way."""
    page, size = query.get("page"), query.get("page_size")
    if page is None or size is None:
        return MAX_PER_RESPONSE, 0
    try:
        number, count = int(page), int(size)
    except ValueError:
        raise bad_request(f"Invalid page or page_size: {page!r}, {size!r} (use whole numbers)") from None
    if number < 0 or count < 1:
        raise bad_request("Invalid page or page_size: page counts from 0 and page_size must be at least 1")
    return min(count, MAX_PER_RESPONSE), number * count


class Ctx:
    """Storage, the resource registry, the authenticated user and the request's clock and events."""

    def __init__(
        self,
        storage: Storage,
        registry: Mapping[str, Resource],
        user: Record | None = None,
        now: str | None = None,
    ) -> None:
        self.storage = storage
        self.registry = registry
        self.user = user
        self.now = now or iso(datetime.now(UTC))
        self.events: list[Event] = []
        self._changed: set[tuple[str, int]] = set()
        self.match_hooks: Callable[[Ctx, Event], list[int]] | None = None
        self.cache: dict[str, Any] = {}
        self.quirks = Quirks()
        self.base_url = "http://sandbox.invalid/"  # the request's own base URL (for asset links)
        self.method = "GET"

    @property
    def user_id(self) -> int:
        return int(self.user["id"]) if self.user else 0

    # -- reading -------------------------------------------------------------------------------

    def res(self, name: str) -> Resource:
        return self.registry[name]

    def get(self, name: str, record_id: int) -> Record | None:
        return self.storage.get(name, record_id)

    def require(self, name: str, record_id: int) -> Record:
        record = self.storage.get(name, record_id)
        if record is None:
            raise ApiError(404, f"Not found: there is no {self.res(name).label} with id {record_id}")
        return record

    def ref(self, name: str, field: str, record_id: Any) -> Record:
        """The record a body's foreign key points at; 400 naming the field when there is none."""
        record = self.storage.get(name, record_id) if isinstance(record_id, int) else None
        if record is None:
            raise bad_request(f"Invalid {field}: there is no {self.res(name).label} with id {record_id}")
        return record

    def find(
        self, name: str, where: str = "", params: Sequence[Any] = (), order: str = "t.id"
    ) -> list[Record]:
        return self.storage.select(name, where, params, order)

    def find_in(
        self, name: str, field: str, keys: Sequence[Any], extra: tuple[str, list[Any]] = ("", [])
    ) -> list[Record]:
        """Records whose `field` is one of `keys` (chunked to stay under SQLite's variable limit)."""
        out: list[Record] = []
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            where = f"t.{q(field)} IN ({', '.join('?' * len(chunk))})"
            if extra[0]:
                where += f" AND ({extra[0]})"
            out.extend(self.storage.select(name, where, [*chunk, *extra[1]]))
        if len(keys) > _CHUNK:
            out.sort(key=lambda r: r["id"])
        return out

    def list_records(self, res: Resource, query: Mapping[str, str]) -> list[Record]:
        """GET /api/<res>: where, include, order and paging, as Paymo reads them."""
        node = parse_include(res, query.get("include"), self.registry)
        conditions = parse_where(query["where"]) if query.get("where") else []
        attach_conditions(res, node, [c for c in conditions if "." in c.field], self.registry)
        sql, params = compile_where(self, res, [c for c in conditions if "." not in c.field])
        scope = res.behaviour.scope(self, "t")
        if scope is not None:
            sql = f"({sql}) AND ({scope[0]})" if sql else scope[0]
            params = [*params, *scope[1]]
        limit, offset = paging(query)
        records = self.storage.select(
            res.name, sql, params, order_sql(res, query.get("order")), limit, offset
        )
        return self.render(res, records, node, top=True)

    def show(self, res: Resource, record_id: int, include: str | None) -> Record:
        node = parse_include(res, include, self.registry)
        record = self.require(res.name, record_id)
        scope = res.behaviour.scope(self, "t")
        if scope is not None and not self.find(
            res.name, f"t.id = ? AND ({scope[0]})", [record_id, *scope[1]]
        ):
            raise ApiError(404, f"Not found: there is no {res.label} with id {record_id}")
        return self.render(res, [record], node, top=True)[0]

    def render(
        self,
        res: Resource,
        records: list[Record],
        node: Node,
        top: bool = False,
        budget: Budget | None = None,
    ) -> list[Record]:
        """Records as the API shows them: presented, field-selected, with their includes attached.

        Like Paymo, one response holds at most 2500 records of each type: included records past that
        are silently left out (later parents get empty arrays or null), as paymo-org/api#68 describes.
        """
        budget = {res.name: len(records)} if budget is None else budget
        related: dict[str, dict[Any, list[Record]]] = {}
        for key, child in node.children.items():
            relation = res.relation_by_key[key]
            target = self.registry[relation.target]
            keys = [r[relation.local] for r in records if r.get(relation.local) is not None]
            groups: dict[Any, list[Record]] = {}
            if keys:
                extra = compile_where(self, target, child.conditions)
                found = self.find_in(target.name, relation.remote, keys, extra)
                found = found[: max(0, MAX_PER_RESPONSE - budget.get(target.name, 0))]
                budget[target.name] = budget.get(target.name, 0) + len(found)
                for raw, shown in zip(found, self.render(target, found, child, budget=budget), strict=True):
                    groups.setdefault(raw[relation.remote], []).append(shown)
            related[key] = groups
        out: list[Record] = []
        for record in records:
            shown = self.shape(res, record, node, top)
            for key in node.children:
                relation = res.relation_by_key[key]
                items = related[key].get(record.get(relation.local), [])
                shown[key] = items if relation.many else (items[0] if items else None)
            out.append(shown)
        return out

    def shape(self, res: Resource, record: Record, node: Node, top: bool) -> Record:
        data = dict(record)
        res.behaviour.present(self, data)
        extras = res.behaviour.extra_fields
        if node.selects:
            names = node.fields if not top or "id" in node.fields else ["id", *node.fields]
        else:
            names = [f.name for f in res.fields if not f.hidden] + [n for n in node.fields if n in extras]
        shown: Record = {}
        for name in names:
            if name in extras and name not in res.by_name:
                shown[name] = extras[name](self, record)
            elif name in data and res.visible(name):
                shown[name] = data[name]
        if self.quirks.numbers_as_strings or self.quirks.html_descriptions:
            self._quirky(res, shown)
        return shown

    def _quirky(self, res: Resource, shown: Record) -> None:
        """What real Paymo sends that the default sandbox does not: numbers as text, HTML descriptions."""
        for name, value in shown.items():
            f = res.by_name.get(name)
            if f is None or value is None or isinstance(value, bool):
                continue
            if self.quirks.numbers_as_strings and isinstance(value, int | float):
                if f.kind is Kind.DECIMAL or name == "duration":
                    shown[name] = number_text(value, decimal=f.kind is Kind.DECIMAL)
            elif self.quirks.html_descriptions and name == "description" and isinstance(value, str) and value:
                shown[name] = as_html(value)

    # -- writing -------------------------------------------------------------------------------

    def accept(self, res: Resource, body: Mapping[str, Any]) -> Record:
        """The writable fields of a request body, validated; unknown and read-only keys are ignored."""
        values: Record = {}
        for key, value in body.items():
            f = res.by_name.get(key)
            if f is not None and f.writable:
                values[key] = coerce(f.kind, key, value)
        return values

    def check_required(self, res: Resource, body: Mapping[str, Any]) -> None:
        missing = [
            spec
            for spec in res.required
            if not any(_given(body.get(alt.strip())) for alt in spec.split(" or "))
        ]
        if missing:
            raise bad_request("Missing required params: " + ", ".join(missing))

    def create(self, name: str, body: Mapping[str, Any]) -> Record:
        """A create as the API does it: required fields, defaults, the resource's rules, side effects."""
        res = self.res(name)
        self.check_required(res, body)
        values = {
            f.name: f.default_value() for f in res.fields if f.name not in ("id", "created_on", "updated_on")
        }
        values.update(self.accept(res, body))
        res.behaviour.before_create(self, values, dict(body))
        record = self.insert(name, values)
        res.behaviour.after_create(self, record, dict(body))
        return self.require(name, record["id"])

    def update(self, name: str, record_id: int, body: Mapping[str, Any]) -> Record:
        """A partial update: only the fields sent change, through the resource's rules."""
        res = self.res(name)
        old = self.require(name, record_id)
        changes = self.accept(res, body)
        res.behaviour.before_update(self, old, changes, dict(body))
        new = self.patch(name, record_id, changes)
        res.behaviour.after_update(self, old, new, dict(body))
        return self.require(name, record_id)

    def delete(self, name: str, record_id: int) -> None:
        """Delete a record and everything its resource cascades to (tasks take their time entries along)."""
        res = self.res(name)
        record = self.require(name, record_id)
        res.behaviour.before_delete(self, record)
        doomed: list[tuple[Resource, list[Record]]] = []
        self._collect(res, [record], doomed)
        for each, records in doomed:
            for r in records:
                self.emit("delete", each.name, r["id"])
        for each, records in doomed:
            self.storage.delete(each.name, [r["id"] for r in records])
        self.cache.pop("estimates", None)
        for each, records in doomed:
            each.behaviour.after_delete(self, records)

    def _collect(
        self, res: Resource, records: list[Record], doomed: list[tuple[Resource, list[Record]]]
    ) -> None:
        doomed.append((res, records))
        for key in res.cascade:
            relation = res.relation_by_key[key]
            if relation.target not in self.registry:
                continue
            keys = [r[relation.local] for r in records if r.get(relation.local) is not None]
            found = self.find_in(relation.target, relation.remote, keys) if keys else []
            if found:
                self._collect(self.registry[relation.target], found, doomed)

    def insert(self, name: str, values: Mapping[str, Any]) -> Record:
        """Low level: store a record (defaults for what is missing, timestamps) and emit its insert event."""
        res = self.res(name)
        row = {f.name: f.default_value() for f in res.fields if f.name != "id"}
        row.update(values)
        row["created_on"] = values.get("created_on") or self.now
        row["updated_on"] = values.get("updated_on") or row["created_on"]
        record_id = self.storage.insert(name, row)
        self.cache.pop("estimates", None)
        self.emit("insert", name, record_id)
        return self.require(name, record_id)

    def patch(self, name: str, record_id: int, changes: Mapping[str, Any], *, emit: bool = True) -> Record:
        """Low level: change stored fields, stamp updated_on, emit an update event."""
        self.storage.update(name, record_id, {**changes, "updated_on": self.now})
        self.cache.pop("estimates", None)
        if emit:
            self.emit("update", name, record_id)
        return self.require(name, record_id)

    def emit(self, action: str, name: str, record_id: int) -> None:
        """Note a change for webhooks (one insert or update event per record and request)."""
        res = self.res(name)
        if res.model is None:
            return
        if action in ("insert", "update"):
            if (name, record_id) in self._changed:
                return
            self._changed.add((name, record_id))
        event = Event(action, name, record_id, res.model)
        if action == "delete" and self.match_hooks is not None:
            event.hooks = self.match_hooks(self, event)
        self.events.append(event)
