"""Wrong ids, named: which referenced id does not exist, and which tool finds the right one."""

from __future__ import annotations

from typing import Any

from paymo_mcp.catalog.resources import RESOURCES, USERS
from paymo_mcp.client import PaymoClient, PaymoError
from paymo_mcp.client.errors import PaymoNotFoundError

# argument -> (endpoint, noun, where to find ids): `<singular>_id` of every resource with a list tool;
# users are also named by `users` and `managers`.
REFERENCES: dict[str, tuple[str, str, str]] = {
    f"{spec.singular}_id": (spec.path, spec.noun, spec.finder) for spec in RESOURCES if spec.offers("list")
}
REFERENCES |= {name: REFERENCES[f"{USERS.singular}_id"] for name in ("users", "managers")}
MOST_CHECKED = 10  # ids looked up for one failure, at most


def no_such(name: str, record_id: int, noun: str, finder: str, *, status: int | None = None) -> str:
    said = f" (Paymo: {status})" if status else ""
    return f"{name} {record_id}: no such {noun}{said}; find ids with {finder}"


async def exists(client: PaymoClient, path: str, record_id: int) -> bool:
    """False only when Paymo says the record is not there; any other failure proves nothing."""
    try:
        await client.request("GET", f"{path}/{record_id}", params={"include": "id"})
    except PaymoNotFoundError:
        return False
    except PaymoError:
        return True
    return True


async def missing_reference(client: PaymoClient, arguments: dict[str, Any]) -> str | None:
    """The error line for the first referenced id in `arguments` that does not exist, or None."""
    checked = 0
    for name, (path, noun, finder) in REFERENCES.items():
        value = arguments.get(name)
        ids = value if isinstance(value, list) else [value]
        for record_id in ids:
            if not isinstance(record_id, int) or isinstance(record_id, bool) or checked >= MOST_CHECKED:
                continue
            checked += 1
            if not await exists(client, path, record_id):
                return no_such(name, record_id, noun, finder)
    return None
