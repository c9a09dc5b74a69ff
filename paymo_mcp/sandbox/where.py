"""Paymo's `where` language: a parser (`a=1 and b in (2,3) and name like "x"`) and a compiler to SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paymo_mcp.sandbox.errors import ApiError, bad_request, unknown_reference
from paymo_mcp.sandbox.schema import Resource, Sql
from paymo_mcp.sandbox.storage import q
from paymo_mcp.sandbox.values import Kind, iso, parse_date, parse_datetime

if TYPE_CHECKING:
    from paymo_mcp.sandbox.engine import Ctx

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SYMBOL = re.compile(r"(>=|<=|!=|<>|=|>|<)")
_WORD = re.compile(r"(not\s+like|not\s+in|like|in)(?=[\s(\"'])", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_AND_HERE = re.compile(r"and\s+", re.IGNORECASE)
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_INT = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class Literal:
    """One value as written: its text and whether it was quoted (`"null"` is a string, `null` is not)."""

    text: str
    quoted: bool = False

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.text.lower() == "null"


@dataclass(frozen=True)
class Condition:
    """`field op value`; `value` is a Literal, or a list of them for `in` / `not in`."""

    field: str
    op: str  # = != > >= < <= like, not like, in, not in  (`<>` is read as `!=`)
    value: Literal | list[Literal]

    @property
    def literal(self) -> Literal:
        if isinstance(self.value, list):
            raise bad_request(f"Invalid where: `{self.field} {self.op}` takes a single value, not a list")
        return self.value

    @property
    def literals(self) -> list[Literal]:
        return self.value if isinstance(self.value, list) else [self.value]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> ApiError:
        return bad_request(f"Invalid where: {what} at character {self.pos + 1} of `{self.text}`")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse(self) -> list[Condition]:
        conditions: list[Condition] = []
        self.skip_ws()
        if self.pos == len(self.text):
            return conditions
        while True:
            conditions.append(self.condition())
            self.skip_ws()
            if self.pos == len(self.text):
                return conditions
            match = _AND_HERE.match(self.text, self.pos)
            if not match:
                raise self.fail("expected `and` between conditions")
            self.pos = match.end()

    def condition(self) -> Condition:
        self.skip_ws()
        match = _FIELD.match(self.text, self.pos)
        if not match:
            raise self.fail("expected a field name")
        field = match.group(0)
        self.pos = match.end()
        self.skip_ws()
        symbol = _SYMBOL.match(self.text, self.pos)
        word = None if symbol else _WORD.match(self.text, self.pos)
        found = symbol or word
        if not found:
            raise self.fail(
                f"expected an operator (= != <> > >= < <= like, not like, in, not in) after `{field}`"
            )
        op = " ".join(found.group(1).lower().split())
        op = "!=" if op == "<>" else op
        self.pos = found.end()
        self.skip_ws()
        if op in ("in", "not in"):
            return Condition(field, op, self.list_value())
        return Condition(field, op, self.scalar_value(stop=_AND))

    def quoted(self) -> Literal:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return Literal("".join(out), quoted=True)
            out.append(char)
            self.pos += 1
        raise self.fail("unterminated quoted value")

    def scalar_value(self, stop: re.Pattern[str]) -> Literal:
        if self.pos < len(self.text) and self.text[self.pos] in "\"'":
            return self.quoted()
        match = stop.search(self.text, self.pos)
        end = match.start() if match else len(self.text)
        raw = self.text[self.pos : end].strip()
        if not raw:
            raise self.fail("expected a value")
        if _OR.search(raw):
            raise self.fail("`or` is not supported (conditions are joined with `and` only)")
        self.pos = end
        return Literal(raw)

    def list_value(self) -> list[Literal]:
        if self.pos >= len(self.text) or self.text[self.pos] != "(":
            raise self.fail("expected `(` to open the list")
        self.pos += 1
        items: list[Literal] = []
        self.skip_ws()
        if self.pos < len(self.text) and self.text[self.pos] == ")":
            self.pos += 1
            return items
        while True:
            self.skip_ws()
            items.append(self.scalar_value(stop=re.compile(r"[,)]")))
            self.skip_ws()
            if self.pos >= len(self.text):
                raise self.fail("expected `)` to close the list")
            if self.text[self.pos] == ")":
                self.pos += 1
                return items
            if self.text[self.pos] != ",":
                raise self.fail("expected `,` or `)` in the list")
            self.pos += 1


def parse_where(text: str) -> list[Condition]:
    """The `and`-joined conditions of a `where` expression; 400 with the position when malformed."""
    return _Parser(text).parse()


# -- compiling ---------------------------------------------------------------------------------


def value_for(kind: Kind, field: str, lit: Literal) -> Any:
    """A literal as a stored value of `kind` (numbers, 0/1, ISO datetimes); 400 when it cannot be one."""
    if lit.is_null:
        return None
    text = lit.text
    result: Any = None
    if kind in (Kind.INT, Kind.DECIMAL):
        if _NUMBER.match(text.strip()):
            number = float(text)
            result = int(number) if number.is_integer() else number
    elif kind is Kind.BOOL:
        result = {"true": 1, "1": 1, "false": 0, "0": 0}.get(text.strip().lower())
    elif kind is Kind.DATE:
        result = parse_date(text)
        if result is None:
            moment = parse_datetime(text)
            result = moment.date().isoformat() if moment else None
    elif kind is Kind.DATETIME:
        # datetime.md:13-16: datetime filters take Unix timestamps; ISO text is refused.
        moment = parse_datetime(int(text.strip())) if _INT.match(text.strip()) else None
        result = iso(moment) if moment else None
        if result is None:
            raise bad_request(
                f"Invalid where: `{text}` for `{field}`: compare datetimes with a Unix timestamp "
                f"(e.g. {field}>=1583954441)"
            )
    else:
        result = text
    if result is None:
        raise bad_request(f"Invalid where: `{text}` is not a valid {kind.value} for `{field}`")
    return result


def like_pattern(text: str) -> str:
    """`%` is the wildcard; without one the value matches anywhere (case-insensitive)."""
    escaped = text.replace("\\", "\\\\").replace("_", "\\_")
    return escaped if "%" in text else f"%{escaped}%"


def _contains(column: str, lit: Literal, field: str) -> Sql:
    if lit.text.lower() == "anyone":
        return f"(json_array_length(COALESCE({column}, '[]')) = 0)", []
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ?)", [value_for(Kind.INT, field, lit)]


def _list_condition(c: Condition, column: str) -> Sql:
    if c.op in ("=", "!=", "in", "not in"):
        parts = [_contains(column, lit, c.field) for lit in c.literals]
        if not parts:
            return ("0", []) if c.op in ("=", "in") else ("1", [])
        sql = "(" + " OR ".join(p[0] for p in parts) + ")"
        params = [v for p in parts for v in p[1]]
        return (f"NOT {sql}" if c.op in ("!=", "not in") else sql), params
    raise bad_request(f"Invalid where: `{c.op}` does not apply to the list field `{c.field}`")


def compile_condition(res: Resource, c: Condition, alias: str) -> Sql:
    """SQL for one condition on an own field of `res` (the caller handles pseudo and dotted fields)."""
    if not res.visible(c.field):
        raise unknown_reference(c.field)
    kind = res.by_name[c.field].kind
    column = f"{alias}.{q(c.field)}"
    if kind is Kind.IDS:
        return _list_condition(c, column)
    if c.op in ("in", "not in"):
        values = [value_for(kind, c.field, lit) for lit in c.literals]
        present = [v for v in values if v is not None]
        marks = ", ".join("?" * len(present))
        if c.op == "in":
            sql = f"{column} IN ({marks})" if present else "0"
            if len(present) < len(values):
                sql = f"({sql} OR {column} IS NULL)"
            return sql, present
        sql = f"{column} NOT IN ({marks})" if present else f"{column} IS NOT NULL"
        if present and len(present) < len(values):
            sql = f"({sql} AND {column} IS NOT NULL)"
        return sql, present
    lit = c.literal
    if c.op in ("like", "not like"):
        neg = "NOT " if c.op == "not like" else ""
        return f"fold(CAST({column} AS TEXT)) {neg}LIKE fold(?) ESCAPE '\\'", [like_pattern(lit.text)]
    value = value_for(kind, c.field, lit)
    if value is None:
        if c.op == "=":
            return f"{column} IS NULL", []
        if c.op == "!=":
            return f"{column} IS NOT NULL", []
        raise bad_request(f"Invalid where: `{c.field} {c.op} null` compares with null; use = or !=")
    collate = " COLLATE NOCASE" if kind is Kind.TEXT else ""
    return f"{column} {c.op} ?{collate}", [value]


def compile_where(ctx: Ctx, res: Resource, conditions: list[Condition], alias: str = "t") -> Sql:
    """One SQL expression for conditions on `res` itself (pseudo-fields go to its behaviour)."""
    parts: list[str] = []
    params: list[Any] = []
    for c in conditions:
        special = res.behaviour.where(ctx, c, alias)
        sql, values = special if special is not None else compile_condition(res, c, alias)
        parts.append(sql)
        params.extend(values)
    return " AND ".join(f"({p})" for p in parts), params
