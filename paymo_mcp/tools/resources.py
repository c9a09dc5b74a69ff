"""The six Paymo resources of the module, one declaration each."""

from __future__ import annotations

from paymo_mcp.models import clients, invoices, projects, tasklists, tasks, time_entries
from paymo_mcp.tools.spec import ResourceSpec

TASKS = ResourceSpec(
    name="tasks",
    singular="task",
    noun="task",
    path="tasks",
    key="tasks",
    webhook_model="Task",
    read=tasks.Task,
    create=tasks.TaskCreate,
    update=tasks.TaskUpdate,
    filters=tasks.TaskFilters,
    includes=(
        "project",
        "tasklist",
        "user",
        "workflowstatus",
        "invoiceitem",
        "entries",
        "subtasks",
        "thread",
    ),
    cascade="all its time entries",
    hint="Ids: list_projects, list_tasklists, list_users, list_workflow_statuses.",
    watch_filters=("project_id", "tasklist_id"),
)

TASKLISTS = ResourceSpec(
    name="tasklists",
    singular="tasklist",
    noun="task list",
    path="tasklists",
    key="tasklists",
    webhook_model="Tasklist",
    read=tasklists.Tasklist,
    create=tasklists.TasklistCreate,
    update=tasklists.TasklistUpdate,
    filters=tasklists.TasklistFilters,
    includes=("project", "milestone", "tasks"),
    cascade="its tasks and their time entries",
    hint="Ids: list_projects, list_milestones.",
    watch_filters=("project_id",),
)

PROJECTS = ResourceSpec(
    name="projects",
    singular="project",
    noun="project",
    path="projects",
    key="projects",
    webhook_model="Project",
    read=projects.Project,
    create=projects.ProjectCreate,
    update=projects.ProjectUpdate,
    filters=projects.ProjectFilters,
    includes=(
        "client",
        "projectstatus",
        "workflow",
        "invoiceitem",
        "tasklists",
        "tasks",
        "milestones",
        "discussions",
        "files",
    ),
    cascade="its task lists, tasks, discussions, files and time entries",
    hint="Ids: list_clients, list_users, list_project_statuses, list_workflow_statuses.",
    watch_filters=("client_id",),
)

CLIENTS = ResourceSpec(
    name="clients",
    singular="client",
    noun="client",
    path="clients",
    key="clients",
    webhook_model="Client",
    read=clients.Client,
    create=clients.ClientCreate,
    update=clients.ClientUpdate,
    filters=clients.ClientFilters,
    includes=("projects", "invoices", "clientcontacts", "recurringprofiles"),
    cascade="its projects, task lists, tasks and time entries",
)

INVOICES = ResourceSpec(
    name="invoices",
    singular="invoice",
    noun="invoice",
    path="invoices",
    key="invoices",
    webhook_model="Invoice",
    read=invoices.Invoice,
    create=invoices.InvoiceCreate,
    update=invoices.InvoiceUpdate,
    filters=invoices.InvoiceFilters,
    includes=("client", "invoiceitems", "invoicepayments", "invoicetemplate"),
    cascade="its items and payments",
    hint="Ids: list_clients, list_invoice_templates. Lines come back with include=['invoiceitems'].",
    watch_filters=("client_id",),
)

TIME_ENTRIES = ResourceSpec(
    name="time_entries",
    singular="time_entry",
    noun="time entry",
    path="entries",
    key="entries",
    webhook_model="Entry",
    read=time_entries.TimeEntry,
    create=time_entries.TimeEntryCreate,
    update=time_entries.TimeEntryUpdate,
    filters=time_entries.TimeEntryFilters,
    includes=("task", "user", "invoiceitem"),
    hint="Ids: list_tasks, list_users. Project via include=['task.project'].",
    watch_filters=("project_id", "task_id", "user_id"),
)

RESOURCES: tuple[ResourceSpec, ...] = (TASKS, TASKLISTS, PROJECTS, CLIENTS, INVOICES, TIME_ENTRIES)
BY_NAME = {spec.name: spec for spec in RESOURCES}
