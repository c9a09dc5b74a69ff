"""`/__sandbox/quirks`: switches for what real Paymo does that the default sandbox does not (issue 12):
numbers as strings, HTML descriptions, a localized "Default Task List", a tight POST limit, plan limits."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from paymo_mcp.sandbox.errors import bad_request

DEFAULT_TASKLIST = "Default Task List"


@dataclass(frozen=True)
class Quirks:
    """Everything off by default; `POST /__sandbox/quirks` changes the fields it names."""

    numbers_as_strings: bool = False  # decimals ("1911.60") and durations ("7200") come back as text
    html_descriptions: bool = False  # `description` comes back as the web app stores it: `<p>...</p>`
    default_tasklist_name: str = DEFAULT_TASKLIST  # looked up (and created) for project_id-only tasks
    post_limit: int | None = None  # at most this many POSTs per `post_period_s` (then 429), on top
    post_period_s: float = 5.0
    max_users: int | None = 25  # plan limits, shown in /company; None = no limit
    max_projects: int | None = None
    max_invoices: int | None = None


_TYPES: dict[str, tuple[type, ...]] = {
    "numbers_as_strings": (bool,),
    "html_descriptions": (bool,),
    "default_tasklist_name": (str,),
    "post_limit": (int, type(None)),
    "post_period_s": (int, float),
    "max_users": (int, type(None)),
    "max_projects": (int, type(None)),
    "max_invoices": (int, type(None)),
}


def parse_quirks(current: Quirks, body: Mapping[str, Any]) -> Quirks:
    """`current` with the switches `body` names; 400 for unknown names or values of the wrong type."""
    known = [f.name for f in fields(Quirks)]
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise bad_request(f"Unknown quirks: {', '.join(unknown)} (known: {', '.join(known)})")
    for name, value in body.items():
        bad_bool = isinstance(value, bool) and bool not in _TYPES[name]
        if bad_bool or not isinstance(value, _TYPES[name]):
            raise bad_request(f"Invalid quirk {name}: {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool) and value <= 0:
            raise bad_request(f"Invalid quirk {name}: {value!r} (must be above 0)")
        if isinstance(value, str) and not value.strip():
            raise bad_request("Invalid quirk default_tasklist_name: it cannot be empty")
    return replace(current, **body)


def as_dict(quirks: Quirks) -> dict[str, Any]:
    return asdict(quirks)


def as_html(text: str) -> str:
    """Plain text as Paymo's editor stores it; text that already holds tags is left alone."""
    if "<" in text and ">" in text:
        return text
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def number_text(value: float, decimal: bool) -> str:
    """A number the way MySQL hands it over as text: decimals with two places, whole numbers bare."""
    return f"{value:.2f}" if decimal else str(int(value))
