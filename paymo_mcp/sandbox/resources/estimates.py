"""The computed `estimated_price` of tasks and projects (tasks.md:336, projects.md:369), with the hourly
rate chosen by the project's `hourly_billing_mode` (projects.md:286-292)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from paymo_mcp.sandbox import company
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.schema import Record

# The first rate that is set wins, in this order, for each `hourly_billing_mode`.
RATE_ORDER = {
    None: ("user", "task", "project", "company"),
    "task": ("task", "user", "project", "company"),
    "project": ("project", "user", "task", "company"),
    "company": ("company", "user", "task", "project"),
}
_KEY = "estimates"  # ctx.cache entry, dropped on every write (see Ctx.insert/patch)


def _facts(ctx: Ctx) -> dict[str, Any]:
    """What every estimate of this request reads, loaded once: projects, user rates, tracked seconds."""
    if _KEY not in ctx.cache:
        tracked: dict[int, dict[int, int]] = {}
        rows = ctx.storage.select("entries", "t.duration IS NOT NULL")
        for row in rows:
            per_user = tracked.setdefault(row["task_id"], {})
            per_user[row["user_id"]] = per_user.get(row["user_id"], 0) + int(row["duration"])
        ctx.cache[_KEY] = {
            "projects": {p["id"]: p for p in ctx.find("projects")},
            "user_rates": {u["id"]: u["price_per_hour"] for u in ctx.find("users")},
            "company_rate": company.settings(ctx).get("default_price_per_hour"),
            "tracked": tracked,
        }
    facts: dict[str, Any] = ctx.cache[_KEY]
    return facts


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _rate(facts: dict[str, Any], project: Record, task: Record, user_id: int) -> Decimal:
    rates = {
        "user": facts["user_rates"].get(user_id),
        "task": task.get("price_per_hour"),
        "project": project.get("price_per_hour"),
        "company": facts["company_rate"],
    }
    for source in RATE_ORDER.get(project.get("hourly_billing_mode"), RATE_ORDER[None]):
        if rates[source] not in (None, ""):
            return Decimal(str(rates[source]))
    return Decimal(0)


def task_estimate(ctx: Ctx, task: Record) -> float | None:
    """Flat-rate tasks: their price; time-based billable tasks: tracked hours x rate; others: null."""
    facts = _facts(ctx)
    project = facts["projects"].get(task.get("project_id"))
    if project is None or not project["billable"] or project["flat_billing"] or not task.get("billable"):
        return None
    if task.get("flat_billing"):
        stored = task.get("estimated_price")
        return None if stored is None else float(stored)
    tracked = facts["tracked"].get(task["id"], {})
    amounts = [Decimal(s) / 3600 * _rate(facts, project, task, user) for user, s in tracked.items()]
    total = sum(amounts, Decimal(0))
    return _cents(total)


def project_estimate(ctx: Ctx, project: Record) -> float | None:
    """Flat-rate projects: their price; time & materials: the sum of their billable tasks'; others: null."""
    if not project.get("billable"):
        return None
    if project.get("flat_billing"):
        return None if project.get("price") is None else float(project["price"])
    tasks = ctx.find("tasks", "t.project_id = ? AND t.billable = 1", [project["id"]])
    prices = [task_estimate(ctx, task) for task in tasks]
    return _cents(sum((Decimal(str(p)) for p in prices if p is not None), Decimal(0)))
