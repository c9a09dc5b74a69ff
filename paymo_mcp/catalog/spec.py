"""The declarative description of one Paymo resource, from which the generator makes its tools."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from paymo_mcp.models.common import ListFilters, ReadModel


def names(text: str) -> tuple[str, ...]:
    """Field names written as one space-separated string."""
    return tuple(text.split())


@dataclass(frozen=True)
class ResourceSpec:
    """Everything that differs between resources; behaviour that is special lives in the models."""

    name: str  # plural, as in tool names and toolsets: "time_entries"
    singular: str  # "time_entry"
    noun: str  # for descriptions: "time entry"
    path: str  # endpoint relative to the API base: "entries"
    key: str  # envelope key: "entries"
    webhook_model: str  # Paymo's model name in hook events ("Entry"); "" when not watchable
    read: type[ReadModel]
    filters: type[ListFilters]
    includes: tuple[str, ...]  # documented include keys (parents singular, children plural)
    create: type[BaseModel] | None = None  # None: a read-only lookup (list and get only)
    update: type[BaseModel] | None = None
    cascade: str = ""  # what Paymo also deletes with a record
    hint: str = ""  # where ids for the create/update arguments come from
    watch_filters: tuple[str, ...] = ()  # list filters that also narrow watch_new_*
    fields: tuple[str, ...] = ()  # the record's documented fields: what `fields` may name
    uploads: tuple[str, ...] = ()  # image-URL arguments sent as a multipart upload, not in the JSON body
    search_fields: tuple[str, ...] = ()  # what `search` looks in (any one matching), by Paymo's `like`

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
        return f"list_{self.name}" + (" (search=...)" if self.search_fields else "")
