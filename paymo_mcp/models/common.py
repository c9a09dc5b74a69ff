"""Base classes and field types shared by the resource models: strict inputs, tolerant reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import UnionType
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    create_model,
)
from pydantic.fields import FieldInfo

from paymo_mcp.client.query import Condition
from paymo_mcp.models.timezone import localize, parse_day, parse_moment

MAX_ID = 2**63 - 1


def _fits(value: int) -> int:
    if value < 1:
        raise ValueError("an id is a positive integer")
    if value > MAX_ID:
        raise ValueError("too large for a Paymo id (at most 2^63-1)")
    return value


# Ids are positive and fit Paymo's 64-bit integers: checked here, not advertised (every id would carry
# the same `minimum`, bytes a model does not need to know ids are positive).
Id = Annotated[int, AfterValidator(_fits)]


def _iso_utc(value: datetime) -> str:
    return localize(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Paymo answers in UTC with a Z; it accepts offsets, but sending UTC keeps one form everywhere.
# A time without an offset is the Paymo user's local time (their `timezone`, models/timezone.py);
# `now` and the day words are read when the call is made. The schemas admit the words (no `format`,
# which a strict client would hold "today" against), and their patterns say the accepted forms.
DAY_PATTERN = "^(....-..-..|today|yesterday|tomorrow)$"
MOMENT_PATTERN = "^(....-..-.+|now)$"
DateTime = Annotated[
    datetime,
    BeforeValidator(parse_moment),
    AfterValidator(localize),
    PlainSerializer(_iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "pattern": MOMENT_PATTERN}),
]
Date = Annotated[date, BeforeValidator(parse_day), WithJsonSchema({"type": "string", "pattern": DAY_PATTERN})]

# Read models: Paymo may send numbers as strings ("204.00"); the output schema must admit both.
Number = Annotated[float | str, WithJsonSchema({"type": ["number", "string"]})]
Integer = Annotated[int | str, WithJsonSchema({"type": ["integer", "string"]})]


class InputModel(BaseModel):
    """Tool arguments: a misspelt or unknown argument is an error, never silently ignored."""

    # Infinity and NaN cannot be sent to Paymo as JSON: refused here, naming the argument.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    def paymo_body(self) -> dict[str, Any]:
        """The JSON body for Paymo: only the fields the caller gave, in Paymo's spelling."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class ReadModel(BaseModel):
    """A record as Paymo returns it: `id` required, every other field kept as it came."""

    model_config = ConfigDict(extra="allow")

    id: Integer


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
    omit: frozenset[str] = frozenset(),
    describe: dict[str, str] | None = None,
) -> type[BaseModel]:
    """The update model of a create model: `id` plus every field optional.

    Omitted fields stay unchanged; only `clearable` fields accept null (which clears them in Paymo).
    `omit` drops fields Paymo cannot change after creation; `describe` gives the update's own wording
    where the create description would not be true of an update.
    """
    fields: dict[str, Any] = {"id": (Id, Field(description="Record id."))}
    for field_name, info in source.model_fields.items():
        if field_name in omit:
            continue
        annotation = _without_none(info.annotation)
        if field_name in clearable:
            annotation = annotation | None
        copy = FieldInfo.merge_field_infos(info, default=None)
        if copy.description is None:
            copy.description = _annotated_description(annotation)
        if describe and field_name in describe:
            copy.description = describe[field_name]
        fields[field_name] = (annotation, copy)
    fields.update(extra or {})
    model: type[BaseModel] = create_model(name, __base__=base, __doc__=doc or None, **fields)
    return model
