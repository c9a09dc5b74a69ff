"""The declarative description of one Paymo resource, from which its tools, watch, URIs and toolset come."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from paymo_mcp.models.common import ListFilters, ReadModel

if TYPE_CHECKING:
    from paymo_mcp.client import PaymoClient

# What a resource can offer, in the order its tools are listed.
OPERATIONS = ("list", "get", "watch", "create", "update", "delete")
WRITES = frozenset({"create", "update", "delete"})


def names(text: str) -> tuple[str, ...]:
    """Field names written as one space-separated string."""
    return tuple(text.split())


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """Where one kind of Paymo record lives: its path under the API base and its envelope key."""

    path: str  # endpoint relative to the API base: "entries"
    key: str  # envelope key: "entries"

    def on(self, client: PaymoClient) -> Records:
        """This endpoint's records through `client`."""
        return Records(self, client)


class Records:
    """One endpoint's records through the shared client: the only way code outside the client names a
    Paymo path (hand-written tools, prompts, watch), so every path comes from a declaration."""

    def __init__(self, endpoint: Endpoint, client: PaymoClient) -> None:
        self.endpoint = endpoint
        self.client = client

    async def list(self, **options: Any) -> list[dict[str, Any]]:
        return await self.client.list(self.endpoint.path, self.endpoint.key, **options)

    async def page(
        self, *, params: dict[str, Any], page: int, page_size: int
    ) -> builtins.list[dict[str, Any]]:
        return await self.client.page(
            self.endpoint.path, self.endpoint.key, params=params, page=page, page_size=page_size
        )

    async def get(self, record_id: int, *, include: str | None = None) -> dict[str, Any]:
        return await self.client.get(self.endpoint.path, self.endpoint.key, record_id, include=include)

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.client.create(self.endpoint.path, self.endpoint.key, body)

    async def update(self, record_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return await self.client.update(self.endpoint.path, self.endpoint.key, record_id, body)

    async def delete(self, record_id: int) -> None:
        await self.client.delete(self.endpoint.path, record_id)

    async def one(self) -> dict[str, Any]:
        """A singleton (`me`, `company`): the one record the endpoint answers with."""
        return await self.client.read_one(self.endpoint.path, self.endpoint.key)


@dataclass(frozen=True, kw_only=True)
class ResourceSpec(Endpoint):
    """Everything that differs between resources; behaviour that is special lives in the models.

    `operations` says which tools the resource has (default: list and get; watch when it has a
    webhook model; create, update and delete when it has create and update models). `toolset` is the
    toolset that serves them (default: the resource's name); `opt_in` keeps it out of the default
    server (for `--toolsets`). `ids_for` says which arguments of other tools its ids fill; with
    `lookup_kind` the resource is also one kind of `get_lookup`, whatever its own toolset.
    """

    name: str  # plural, as in tool names and toolsets: "time_entries"
    singular: str  # "time_entry"
    noun: str  # for descriptions: "time entry"
    read: type[ReadModel]
    filters: type[ListFilters]
    includes: tuple[str, ...]  # documented include keys (parents singular, children plural)
    webhook_model: str = ""  # Paymo's model name in hook events ("Entry"); "" when not watchable
    create: type[BaseModel] | None = None
    update: type[BaseModel] | None = None
    operations: tuple[str, ...] | None = None  # None: derived from the models given; (): no tools
    toolset: str = ""
    opt_in: bool = False
    ids_for: str = ""  # "milestone_id": what its ids are for, said where other tools find them
    lookup_kind: bool = False  # a kind of get_lookup (a small list in the default lookups toolset)
    cascade: str = ""  # what Paymo also deletes with a record
    hint: str = ""  # where ids for the create/update arguments come from
    watch_filters: tuple[str, ...] = ()  # list filters that also narrow watch_new_*
    fields: tuple[str, ...] = ()  # the record's documented fields: what `fields` may name
    uploads: tuple[str, ...] = ()  # image-URL arguments sent as a multipart upload, not in the JSON body
    search_fields: tuple[str, ...] = ()  # what `search` looks in (any one matching), by Paymo's `like`
    find_hint: str = ""  # said after list_<name> where ids are found; default "search=..." if searchable

    def __post_init__(self) -> None:
        if not self.toolset:
            object.__setattr__(self, "toolset", self.name)
        if self.operations is None:
            derived = ["list", "get"]
            derived += ["watch"] if self.webhook_model else []
            derived += ["create", "update", "delete"] if self.create and self.update else []
            object.__setattr__(self, "operations", tuple(derived))
        unknown = set(self.operations or ()) - set(OPERATIONS)
        if unknown:
            raise ValueError(f"{self.name}: unknown operations {sorted(unknown)}; use {OPERATIONS}")
        ops = tuple(o for o in OPERATIONS if o in (self.operations or ()))
        object.__setattr__(self, "operations", ops)
        needs = {"create": self.create, "update": self.update, "watch": self.webhook_model}
        missing = [op for op, given in needs.items() if op in ops and not given]
        if missing:
            raise ValueError(f"{self.name}: {', '.join(missing)} declared without its model")

    @property
    def ops(self) -> tuple[str, ...]:
        """The operations, derived where not declared (always a tuple after construction)."""
        return self.operations or ()

    def offers(self, operation: str) -> bool:
        return operation in self.ops

    @property
    def watchable(self) -> bool:
        return "watch" in self.ops

    @property
    def writable(self) -> bool:
        return bool(WRITES & set(self.ops))

    @property
    def title(self) -> str:
        return self.noun.capitalize()

    @property
    def a_noun(self) -> str:
        return ("an " if self.noun[0] in "aeiou" else "a ") + self.noun

    @property
    def plural_noun(self) -> str:
        return self.name.replace("_", " ")

    @property
    def finder(self) -> str:
        """Where a model finds this resource's ids."""
        hint = self.find_hint or ("search=..." if self.search_fields else "")
        return f"list_{self.name}" + (f" ({hint})" if hint else "")

    @property
    def uri_template(self) -> str:
        """The MCP resource template of one record: `paymo://tasks/{task_id}`."""
        return f"paymo://{self.name}/{{{self.singular}_id}}"
