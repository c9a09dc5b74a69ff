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


PROJECT_STATUSES = [  # name, active, readonly (paymo-api.md §10.9)
    ("Active", True, True),
    ("Proposal", True, False),
    ("On-hold", False, False),
    ("Cancelled", False, False),
    ("Completed", False, False),
    ("Archived", False, True),
]

TEMPLATES: list[dict[str, Any]] = [
    {"name": "Classic", "title": "INVOICE", "is_default": True,
     "html": "<h1>{title}</h1><p>{company_info}</p><p>{bill_to}</p><!-- {INVOICE_ROWS_START} -->"
             "<tr><td>{item}</td><td>{description}</td><td>{price_unit}</td><td>{quantity}</td>"
             "<td>{price}</td></tr><!-- {INVOICE_ROWS_END} --><p>{subtotal} {tax_text} {tax} {total}</p>"},
    {"name": "Modern", "title": "Invoice",
     "html": "<header>{title} {number}</header><section>{bill_to}</section><footer>{footer}</footer>"},
]  # fmt: skip

GALLERY = [
    {"name": "Classic", "title": "INVOICE", "html": "<h1>{title}</h1>", "css": "", "image": None},
    {"name": "Modern", "title": "Invoice", "html": "<header>{title}</header>", "css": "", "image": None},
    {"name": "Minimal", "title": "Invoice", "html": "<p>{title} {number}</p>", "css": "", "image": None},
]

PROJECTS: list[dict[str, Any]] = [
    {"name": "Website Redesign", "code": "WEB", "client_id": 1, "users": [1, 2, 3], "managers": [2],
     "billable": True, "price_per_hour": 95, "budget_hours": 200, "color": "#68BE5E",
     "description": "New marketing site for Acme"},
    {"name": "Mobile App", "code": "APP", "client_id": 1, "users": [1, 3], "managers": [1],
     "billable": True, "flat_billing": True, "price": 12000, "color": "#4A90D9"},
    {"name": "Brand Guidelines", "code": "BRAND", "client_id": 2, "users": [1, 2], "managers": [2],
     "billable": True, "price_per_hour": 80, "color": "#F5A623"},
    {"name": "Data Migration", "code": "DM", "client_id": 3, "users": [1, 3], "managers": [1],
     "billable": False, "color": "#9B9B9B"},
]  # fmt: skip

TASKLISTS = [(1, "Discovery"), (1, "Design"), (1, "Build"), (2, "Sprint 1"), (2, "Sprint 2"),
             (3, "Research"), (3, "Deliverables"), (4, "Migration")]  # fmt: skip

# Status ids of the default workflow: Backlog and Complete come with it, then To Do and In progress.
BACKLOG, DONE, TODO, DOING = 1, 2, 3, 4

# tasklist, name, status, priority, due date, assignees
TASKS: list[tuple[int, str, int, int, str | None, list[int]]] = [
    (1, "Stakeholder interviews", DONE, 50, "2026-09-18", [2]),
    (1, "Competitor review", DONE, 25, "2026-09-25", [3]),
    (2, "Wireframes", DONE, 75, "2026-10-09", [2]),
    (2, "Visual design", DOING, 75, "2026-11-20", [2, 3]),
    (2, "Design review with Acme", TODO, 100, "2026-11-27", []),
    (3, "Set up CMS", DOING, 50, "2026-12-04", [3]),
    (3, "Page templates", BACKLOG, 50, "2026-12-18", [3]),
    (3, "Launch checklist", BACKLOG, 25, None, []),
    (4, "Login screen", DONE, 75, "2026-10-16", [3]),
    (4, "Push notifications", DOING, 50, "2026-11-30", [3]),
    (5, "Offline mode", BACKLOG, 50, "2027-01-15", [1]),
    (6, "Audience research", DONE, 50, "2026-10-02", [2]),
    (7, "Logo usage rules", TODO, 75, "2026-12-01", [2]),
    (7, "Typography guide", BACKLOG, 25, None, [1]),
    (8, "Export legacy CRM", DOING, 100, "2026-12-10", [3]),
]

# task, user, start (or date), end (or duration in seconds), description
ENTRIES: list[tuple[int, int, str, str | int, str]] = [
    (1, 2, "2026-09-14T09:00:00Z", "2026-09-14T11:30:00Z", "Interviews with marketing"),
    (1, 2, "2026-09-15T13:00:00Z", "2026-09-15T15:00:00Z", "Interviews with sales"),
    (2, 3, "2026-09-21", 10800, "Reviewed five competitor sites"),
    (3, 2, "2026-10-05T09:00:00Z", "2026-10-05T12:45:00Z", "Homepage and pricing wireframes"),
    (4, 3, "2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", "Colour exploration"),
    (4, 2, "2026-11-03", 5400, "Design system tokens"),
    (9, 3, "2026-10-12T14:00:00Z", "2026-10-12T17:15:00Z", "Login flow"),
    (10, 3, "2026-11-16T09:30:00Z", "2026-11-16T11:00:00Z", "APNs setup"),
    (12, 2, "2026-09-29", 7200, "Survey analysis"),
    (15, 3, "2026-11-20T08:00:00Z", "2026-11-20T10:00:00Z", "CRM export script"),
]


def _at(ctx: Ctx, day: str, time: str = "09:00:00") -> Ctx:
    ctx.now = f"{day}T{time}Z"
    return ctx


def _bare(ctx: Ctx, api_key: str) -> None:
    """What a new Paymo account has: company, users, statuses, the default workflow, two templates."""
    storage = ctx.storage
    company.save(ctx, dict(company.DEFAULTS))
    for n, user in enumerate(USERS):
        record = ctx.create("users", {**user, "password": PASSWORD})
        ctx.user = ctx.user or record
        storage.update("users", record["id"], {"api_key": user_api_key(api_key, n + 1)})
    for name, active, readonly in PROJECT_STATUSES:
        status = ctx.create("projectstatuses", {"name": name, "active": active})
        storage.update("projectstatuses", status["id"], {"readonly": readonly})
    workflow = ctx.create("workflows", {"name": "Default workflow", "is_default": True})
    for name, color in (("To Do", "5BDBF6"), ("In progress", "FFB74D")):
        ctx.create("workflowstatuses", {"name": name, "color": color, "workflow_id": workflow["id"]})
    for template in TEMPLATES:
        ctx.create("invoicetemplates", template)
    for item in GALLERY:
        ctx.insert("invoicetemplatesgallery", item)


def _work(ctx: Ctx) -> None:
    """Clients, projects, lists, tasks, a milestone, time (some billed) and two invoices."""
    for n, client in enumerate(CLIENTS):
        _at(ctx, f"2026-0{n + 2}-02").create("clients", client)
    for n, project in enumerate(PROJECTS):
        _at(ctx, f"2026-09-0{n + 1}").create("projects", project)
    for n, (project_id, name) in enumerate(TASKLISTS):
        _at(ctx, "2026-09-07", f"10:{n:02d}:00").create("tasklists", {"name": name, "project_id": project_id})
    _at(ctx, "2026-09-07", "11:00:00").create(
        "milestones",
        {
            "name": "Design sign-off",
            "project_id": 1,
            "user_id": 2,
            "due_date": "2026-11-20",
            "linked_tasklists": [2],
        },
    )
    for n, (tasklist_id, name, status_id, priority, due, users) in enumerate(TASKS):
        task = {"name": name, "tasklist_id": tasklist_id, "status_id": status_id, "priority": priority,
                "due_date": due, "users": users, "description": f"{name} for the project."}  # fmt: skip
        _at(ctx, "2026-09-08", f"09:{n:02d}:00").create("tasks", task)
    for task_id, user_id, when, until, description in ENTRIES:
        body: dict[str, Any] = {"task_id": task_id, "user_id": user_id, "description": description}
        if isinstance(until, int):
            body.update(date=when, duration=until)
        else:
            body.update(start_time=when, end_time=until)
        _at(ctx, when[:10], "18:00:00").create("entries", body)
    _at(ctx, "2026-10-31", "16:00:00").create(
        "invoices",
        {"client_id": 1, "currency": "USD", "tax": 20, "tax_text": "VAT", "status": "sent",
         "date": "2026-10-31",
         "items": [{"item": "Website Redesign: discovery and wireframes", "price_unit": 1593,
                    "quantity": 1, "apply_tax": True, "entries": [1, 2, 4]}]},
    )  # fmt: skip
    _at(ctx, "2026-11-25", "11:00:00").create(
        "invoices",
        {"client_id": 2, "currency": "USD", "tax": 3, "date": "2026-11-25",
         "items": [{"item": "Brand workshop", "description": "Hours", "price_unit": 25, "quantity": 15,
                    "apply_tax": True}]},
    )  # fmt: skip


def seed_account(
    storage: Storage, registry: Mapping[str, Resource], api_key: str, *, full: bool = True
) -> None:
    """A fresh account: the bare account always; clients, projects, tasks, time and invoices when `full`."""
    with storage.transaction():
        ctx = Ctx(storage, registry, None, now="2026-01-05T09:00:00Z")
        _bare(ctx, api_key)
        if full:
            _work(ctx)
