"""Base classes and field types shared by the resource models: strict inputs, tolerant reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, create_model
from pydantic.fields import FieldInfo

from paymo_mcp.client.query import Condition

Id = Annotated[int, Field(ge=1)]


def _iso_utc(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Paymo answers in UTC with a Z; it accepts offsets, but sending UTC keeps one form everywhere.
# A time without an offset is taken as UTC, as the tool descriptions say.
DateTime = Annotated[datetime, AfterValidator(_aware), PlainSerializer(_iso_utc, return_type=str)]
Date = date


class InputModel(BaseModel):
    """Tool arguments: a misspelt or unknown argument is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def paymo_body(self) -> dict[str, Any]:
        """The JSON body for Paymo: only the fields the caller gave, in Paymo's spelling."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class ReadModel(BaseModel):
    """A record as Paymo returns it: `id` required, every other field kept as it came."""

    model_config = ConfigDict(extra="allow")

    id: int


class ListFilters(InputModel):
    """List filters; each set field becomes one `where` condition (`where_ops` overrides field/op)."""

    where_ops: ClassVar[dict[str, tuple[str, str]]] = {}

    async def resolve(self, client: Any) -> list[Condition]:
        """The conditions, for filters that must look something up first (override where needed)."""
        return self.conditions()

    def conditions(self) -> list[Condition]:
        out = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None or name in ("include", "limit", "order", "fields"):
                continue
            paymo_field, op = self.where_ops.get(name, (name, "="))
            if isinstance(value, list) and op == "=":
                op = "in"
            out.append(Condition(paymo_field, op, value))
        return out


def _without_none(annotation: Any) -> Any:
    """`X | None` -> `X`: on update, null is only accepted where it clears something."""
    if get_origin(annotation) in (Union, UnionType):
        rest = tuple(a for a in get_args(annotation) if a is not type(None))
        return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
    return annotation


def _annotated_description(annotation: Any) -> str | None:
    """The description an `Annotated[..., Field(description=...)]` type carries, if any."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, FieldInfo) and meta.description:
            return meta.description
    return None


def partial_model(
    name: str,
    source: type[BaseModel],
    *,
    clearable: frozenset[str],
    base: type[BaseModel] = InputModel,
    extra: dict[str, Any] | None = None,
    doc: str = "",
) -> type[BaseModel]:
    """The update model of a create model: `id` plus every field optional.

    Omitted fields stay unchanged; only `clearable` fields accept null (which clears them in Paymo).
    """
    fields: dict[str, Any] = {"id": (Id, Field(description="Id of the record to update."))}
    for field_name, info in source.model_fields.items():
        annotation = _without_none(info.annotation)
        if field_name in clearable:
            annotation = annotation | None
        copy = FieldInfo.merge_field_infos(info, default=None)
        if copy.description is None:
            copy.description = _annotated_description(annotation)
        fields[field_name] = (annotation, copy)
    fields.update(extra or {})
    model: type[BaseModel] = create_model(name, __base__=base, __doc__=doc or None, **fields)
    return model
