"""Declarative resource descriptions: fields, relations and behaviour hooks that drive the generic engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paymo_mcp.sandbox.values import Kind

if TYPE_CHECKING:
    from paymo_mcp.sandbox.engine import Ctx
    from paymo_mcp.sandbox.where import Condition

Record = dict[str, Any]
Sql = tuple[str, list[Any]]


@dataclass(frozen=True)
class Field:
    """One column of a resource."""

    name: str
    kind: Kind = Kind.TEXT
    default: Any = None  # a value, or a zero-argument callable for mutable defaults
    writable: bool = True  # read-only fields are ignored in request bodies
    hidden: bool = False  # write-only (secret, password): stored, never returned, selected or filtered
    index: bool = False

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


def Int(name: str, default: Any = None, **kw: Any) -> Field:
    return Field(name, Kind.INT, default, index=name.endswith("_id"), **kw)


def Dec(name: str, default: Any = None, **kw: Any) -> Field:
    return Field(name, Kind.DECIMAL, default, **kw)


def Text(name: str, default: Any = None, **kw: Any) -> Field:
    return Field(name, Kind.TEXT, default, **kw)


def Bool(name: str, default: Any = False, **kw: Any) -> Field:
    return Field(name, Kind.BOOL, default, **kw)


def Date(name: str, default: Any = None, **kw: Any) -> Field:
    return Field(name, Kind.DATE, default, **kw)


def DateTime(name: str, default: Any = None, **kw: Any) -> Field:
    return Field(name, Kind.DATETIME, default, **kw)


def Ids(name: str, **kw: Any) -> Field:
    return Field(name, Kind.IDS, list, **kw)


def Json(name: str, default: Any = None, **kw: Any) -> Field:
    return Field(name, Kind.JSON, default, **kw)


@dataclass(frozen=True)
class Relation:
    """An include key: `many=False` gives a nested object, `many=True` a nested array.

    The related records are those of `target` whose `remote` field equals this record's `local` field.
    """

    key: str
    target: str
    local: str
    remote: str
    many: bool


def parent(key: str, target: str, fk: str) -> Relation:
    return Relation(key, target, local=fk, remote="id", many=False)


def children(key: str, target: str, fk: str) -> Relation:
    return Relation(key, target, local="id", remote=fk, many=True)


def one(key: str, target: str, fk: str) -> Relation:
    """A single record that points back at this one (a task's comment thread)."""
    return Relation(key, target, local="id", remote=fk, many=False)


class Behaviour:
    """What is special about a resource. Every hook may raise ApiError; the defaults do nothing."""

    # Fields computed on request only (`include=progress_status`), never in a plain response.
    extra_fields: Mapping[str, Callable[[Ctx, Record], Any]] = {}

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        """Check and complete `values` (already coerced, defaults filled) before the insert."""

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        """Side effects that need the new id (invoice items, billed entries)."""

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        """Check and complete `changes` (coerced, only the fields sent)."""

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        """Side effects of an update."""

    def before_delete(self, ctx: Ctx, record: Record) -> None:
        """Refuse a delete Paymo refuses (a default template, a workflow in use)."""

    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        """Side effects once these records (deleted directly or by a cascade) are gone."""

    def present(self, ctx: Ctx, record: Record) -> None:
        """Shape a stored record for output in place (drop fields that only some records carry)."""

    def where(self, ctx: Ctx, condition: Condition, alias: str) -> Sql | None:
        """SQL for a pseudo-field of `where` (`mytasks`, `time_interval`); None if not one."""
        return None

    def scope(self, ctx: Ctx, alias: str) -> Sql | None:
        """A filter every list of this resource gets (hooks: only the caller's own)."""
        return None


@dataclass
class Resource:
    """One Paymo resource: `/api/<name>`, envelope key `<name>`, a table `<name>`."""

    name: str
    fields: tuple[Field, ...]
    model: str | None = None  # webhook model name (`Task` in `model.insert.Task`)
    required: tuple[str, ...] = ()  # "name", or alternatives: "tasklist_id or project_id"
    relations: tuple[Relation, ...] = ()
    cascade: tuple[str, ...] = ()  # relation keys whose records are deleted with this one
    behaviour: Behaviour = field(default_factory=Behaviour)
    webhook_include: str = ""  # extra content of webhook bodies (paymo-api.md §9.4)
    methods: frozenset[str] = frozenset({"list", "get", "create", "update", "delete"})
    by_name: dict[str, Field] = field(init=False, repr=False)
    relation_by_key: dict[str, Relation] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        stamps = (DateTime("created_on", writable=False), DateTime("updated_on", writable=False))
        self.fields = (Int("id", writable=False), *self.fields, *stamps)
        self.by_name = {f.name: f for f in self.fields}
        self.relation_by_key = {r.key: r for r in self.relations}

    @property
    def label(self) -> str:
        """The singular noun for messages: `entries` -> `entry`, `workflowstatuses` -> `workflowstatus`."""
        for plural, single in (("ies", "y"), ("ses", "s"), ("s", "")):
            if self.name.endswith(plural):
                return self.name[: -len(plural)] + single
        return self.name

    def visible(self, name: str) -> bool:
        f = self.by_name.get(name)
        return f is not None and not f.hidden


READ_ONLY = frozenset({"list", "get"})
