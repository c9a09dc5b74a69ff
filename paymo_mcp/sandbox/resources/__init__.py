"""The registry: every resource the sandbox serves, one declaration each, by URL name."""

from __future__ import annotations

from paymo_mcp.sandbox.resources.clients import CLIENTS
from paymo_mcp.sandbox.resources.users import USERS
from paymo_mcp.sandbox.schema import Resource

ALL: tuple[Resource, ...] = (USERS, CLIENTS)
REGISTRY: dict[str, Resource] = {r.name: r for r in ALL}
