"""Wrong ids, named: which referenced id does not exist, and which tool finds the right one."""

from __future__ import annotations

from typing import Any

from paymo_mcp.client import PaymoClient, PaymoError
from paymo_mcp.client.errors import PaymoNotFoundError

# argument -> (endpoint, noun, where to find ids)
REFERENCES: dict[str, tuple[str, str, str]] = {
    "project_id": ("projects", "project", "list_projects (search=...)"),
    "tasklist_id": ("tasklists", "task list", "list_tasklists (search=...)"),
    "task_id": ("tasks", "task", "list_tasks (search=...)"),
    "client_id": ("clients", "client", "list_clients (search=...)"),
    "user_id": ("users", "user", "list_users (your own: get_me)"),
    "users": ("users", "user", "list_users (your own: get_me)"),
    "managers": ("users", "user", "list_users (your own: get_me)"),
}
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
