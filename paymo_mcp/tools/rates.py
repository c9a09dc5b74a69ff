"""Billing rates: which hourly rate Paymo bills a time entry at, and whether it is billed by the hour.

One place for create_invoice_from_time and summarize_time, so an invoice and a summary never disagree.
"""

from __future__ import annotations

from typing import Any

from paymo_mcp.catalog.resources import COMPANY, PROJECTS, TASKS, USERS
from paymo_mcp.catalog.spec import Endpoint
from paymo_mcp.client import Condition, PaymoClient, build_where
from paymo_mcp.client.paymo import MAX_LIMIT

# projects.md, "Project Billing": the project's hourly_billing_mode orders the rates; the first set wins.
RATE_ORDER: dict[str | None, tuple[str, ...]] = {
    None: ("user", "task", "project", "company"),
    "user": ("user", "task", "project", "company"),
    "task": ("task", "user", "project", "company"),
    "project": ("project", "user", "task", "company"),
    "company": ("company", "user", "task", "project"),
}


async def records_by_id(client: PaymoClient, resource: Endpoint, ids: set[int]) -> dict[int, dict[str, Any]]:
    """The records of `resource` with these ids, by id (one request per 2,500)."""
    wanted = sorted(ids)
    found: dict[int, dict[str, Any]] = {}
    for first in range(0, len(wanted), MAX_LIMIT):
        chunk = wanted[first : first + MAX_LIMIT]
        where = build_where([Condition("id", "in", chunk)])
        for record in await resource.on(client).list(where=where, limit=MAX_LIMIT):
            found[int(record["id"])] = record
    return found


async def billing_records(client: PaymoClient, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The tasks, projects, users and company that decide how `entries` are billed."""
    tasks = await records_by_id(client, TASKS, {int(e["task_id"]) for e in entries if e.get("task_id")})
    project_ids = {int(t["project_id"]) for t in tasks.values() if t.get("project_id")}
    user_ids = {int(e["user_id"]) for e in entries if e.get("user_id")}
    company: dict[str, Any] = await COMPANY.on(client).one()
    return {
        "tasks": tasks,
        "projects": await records_by_id(client, PROJECTS, project_ids),
        "users": await records_by_id(client, USERS, user_ids),
        "company": company,
    }


def _rate(value: Any) -> float | None:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return None
    return rate if rate > 0 else None


def skip_reason(found: dict[str, Any], entry: dict[str, Any]) -> str | None:
    """Why an entry's time is not billed by the hour: non-billable or flat-rate work; None when it is."""
    task = found["tasks"].get(entry.get("task_id"), {})
    project = found["projects"].get(task.get("project_id"), {})
    if task.get("billable") is False or project.get("billable") is False:
        return "non-billable"
    if task.get("flat_billing") or project.get("flat_billing"):
        return "flat-rate"
    return None


def entry_rate(found: dict[str, Any], entry: dict[str, Any]) -> float:
    """The hourly rate Paymo bills an entry at: the first rate set, in its project's billing-mode order."""
    task = found["tasks"].get(entry["task_id"], {})
    project = found["projects"].get(task.get("project_id"), {})
    rates = {
        "user": found["users"].get(entry.get("user_id"), {}).get("price_per_hour"),
        "task": task.get("price_per_hour"),
        "project": project.get("price_per_hour"),
        "company": found["company"].get("default_price_per_hour"),
    }
    order = RATE_ORDER.get(project.get("hourly_billing_mode"), RATE_ORDER[None])
    return next((r for r in (_rate(rates[source]) for source in order) if r), 0.0)
