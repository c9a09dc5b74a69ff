"""The seeded account: a small, believable design studio with fixed ids and dates (same every run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymo_mcp.sandbox import company
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.schema import Resource
from paymo_mcp.sandbox.storage import Storage

PASSWORD = "sandbox"  # every seeded user's password (Basic auth with email + password)

USERS: list[dict[str, Any]] = [
    {"name": "Alex Admin", "email": "alex@northwind.example", "type": "Admin", "position": "Studio lead",
     "price_per_hour": 120},
    {"name": "Maria Lopez", "email": "maria@northwind.example", "type": "Employee",
     "position": "Project manager", "price_per_hour": 95},
    {"name": "Sam Chen", "email": "sam@northwind.example", "type": "Employee", "position": "Developer",
     "price_per_hour": 85},
    {"name": "Gina Park", "email": "gina@acme.example", "type": "Guest", "position": "Client contact"},
]  # fmt: skip

CLIENTS: list[dict[str, Any]] = [
    {"name": "Acme Corporation", "address": "1 Acme Way", "city": "Springfield", "state": "IL",
     "postal_code": "62701", "country": "US", "phone": "+1 217 555 0142", "email": "billing@acme.example",
     "website": "https://acme.example", "fiscal_information": "VAT US-4421"},
    {"name": "Globex Ltd", "address": "22 Market Street", "city": "London", "postal_code": "EC2A 4NE",
     "country": "GB", "email": "accounts@globex.example", "website": "https://globex.example"},
    {"name": "Initech GmbH", "address": "Hauptstrasse 5", "city": "Berlin", "postal_code": "10115",
     "country": "DE", "email": "finance@initech.example"},
]  # fmt: skip


def user_api_key(api_key: str, user_id: int) -> str:
    """User 1 (the Admin) holds the sandbox's API key; the others get `<key>-<id>`."""
    return api_key if user_id == 1 else f"{api_key}-{user_id}"


def claim_api_key(storage: Storage, api_key: str) -> None:
    """Give the seeded users their keys (again) — a database file may have been seeded with another key."""
    for row in storage.select("users", "t.id <= ?", [len(USERS)]):
        storage.update("users", row["id"], {"api_key": user_api_key(api_key, row["id"])})


def _at(ctx: Ctx, day: str, time: str = "09:00:00") -> Ctx:
    ctx.now = f"{day}T{time}Z"
    return ctx


def seed_account(
    storage: Storage, registry: Mapping[str, Resource], api_key: str, *, full: bool = True
) -> None:
    """A fresh account: company and users always; clients, projects, tasks, time and invoices when `full`."""
    with storage.transaction():
        ctx = Ctx(storage, registry, None, now="2026-01-05T09:00:00Z")
        company.save(ctx, dict(company.DEFAULTS))
        for n, user in enumerate(USERS):
            record = ctx.create("users", {**user, "password": PASSWORD})
            ctx.user = ctx.user or record
            storage.update("users", record["id"], {"api_key": user_api_key(api_key, n + 1)})
        if not full:
            return
        for n, client in enumerate(CLIENTS):
            _at(ctx, f"2026-02-0{n + 2}").create("clients", client)
