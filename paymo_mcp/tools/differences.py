"""What Paymo kept of a write: each field sent compared with the record that came back, so a field
Paymo ignored or changed is reported (asked X, Paymo kept Y) instead of silently dropped."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from paymo_mcp.tools.toolkit import compact_json

_TAG = re.compile(r"<[^>]+>")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Booleans as Paymo may write them (True == 1 and False == 0 as keys, so the ints are covered too).
_TRUTH: dict[Any, bool] = {True: True, False: False, "1": True, "0": False, "true": True, "false": False}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) <= 10:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: str) -> str:
    """Text as a reader sees it: tags dropped, entities decoded, white space folded."""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def same(asked: Any, kept: Any) -> bool:
    """Whether Paymo kept what was asked, allowing for the forms Paymo answers in: numbers as strings
    ("12.50" for 12.5), empty text as "" for null, date-times in UTC, id lists in any order, HTML."""
    if asked == kept:
        return True
    if asked in (None, "", []) and kept in (None, "", []):
        return True
    if isinstance(asked, bool) or isinstance(kept, bool):
        scalar = isinstance(kept, bool | int | str)
        return isinstance(asked, bool) and scalar and _TRUTH.get(kept) is asked
    if isinstance(asked, list) and isinstance(kept, list):
        try:
            return sorted(asked) == sorted(kept)
        except TypeError:
            return False
    if isinstance(asked, int | float) or isinstance(kept, int | float):
        a, k = _number(asked), _number(kept)
        return a is not None and a == k
    if isinstance(asked, str) and isinstance(kept, str):
        if _DATE.fullmatch(asked) and kept[:10] == asked:
            return True
        moments = _moment(asked), _moment(kept)
        if moments[0] is not None and moments[1] is not None:
            return moments[0] == moments[1]
        return _text(asked) == _text(kept)
    return False


def _short(value: Any) -> str:
    shown = compact_json(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def not_kept(asked: dict[str, Any], record: dict[str, Any], *, skip: frozenset[str] = frozenset()) -> str:
    """One line naming each field whose value in `record` differs from `asked`; "" when all were kept.

    Fields the answer does not carry (or named in `skip`) cannot be compared and are left out.
    """
    differences = [
        f"{name}: asked {_short(value)}, Paymo kept {_short(record[name])}"
        for name, value in asked.items()
        if name not in skip and name in record and not same(value, record[name])
    ]
    if not differences:
        return ""
    return "Paymo did not apply everything asked: " + "; ".join(differences) + "."
