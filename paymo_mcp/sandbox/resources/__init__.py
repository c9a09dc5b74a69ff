"""The registry: every resource the sandbox serves, one declaration each, by URL name."""

from __future__ import annotations

from paymo_mcp.sandbox.resources.clients import CLIENTS
from paymo_mcp.sandbox.resources.comments import COMMENTS, THREADS
from paymo_mcp.sandbox.resources.entries import ENTRIES
from paymo_mcp.sandbox.resources.expenses import EXPENSES
from paymo_mcp.sandbox.resources.hooks import HOOKS
from paymo_mcp.sandbox.resources.invoices import INVOICE_ITEMS, INVOICE_PAYMENTS, INVOICES
from paymo_mcp.sandbox.resources.invoicetemplates import INVOICE_TEMPLATES, INVOICE_TEMPLATES_GALLERY
from paymo_mcp.sandbox.resources.milestones import MILESTONES
from paymo_mcp.sandbox.resources.others import (
    CLIENT_CONTACTS,
    DISCUSSIONS,
    FILES,
    RECURRING_PROFILES,
    REPORTS,
    SUBTASKS,
)
from paymo_mcp.sandbox.resources.projects import PROJECTS
from paymo_mcp.sandbox.resources.projectstatuses import PROJECT_STATUSES
from paymo_mcp.sandbox.resources.tasklists import TASKLISTS
from paymo_mcp.sandbox.resources.tasks import TASKS
from paymo_mcp.sandbox.resources.users import USERS
from paymo_mcp.sandbox.resources.workflows import WORKFLOW_STATUSES, WORKFLOWS
from paymo_mcp.sandbox.schema import Resource

ALL: tuple[Resource, ...] = (
    USERS,
    CLIENTS,
    CLIENT_CONTACTS,
    PROJECTS,
    PROJECT_STATUSES,
    WORKFLOWS,
    WORKFLOW_STATUSES,
    TASKLISTS,
    TASKS,
    SUBTASKS,
    MILESTONES,
    ENTRIES,
    INVOICES,
    INVOICE_ITEMS,
    INVOICE_PAYMENTS,
    INVOICE_TEMPLATES,
    INVOICE_TEMPLATES_GALLERY,
    THREADS,
    COMMENTS,
    DISCUSSIONS,
    FILES,
    EXPENSES,
    REPORTS,
    RECURRING_PROFILES,
    HOOKS,
)
REGISTRY: dict[str, Resource] = {r.name: r for r in ALL}
