"""The six Paymo resources of the module, one declaration each."""

from __future__ import annotations

from paymo_mcp.models import clients, invoices, projects, tasklists, tasks, time_entries
from paymo_mcp.tools.spec import ResourceSpec, names

TASKS = ResourceSpec(
    name="tasks",
    search_fields=("name",),
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
    hint="Ids: list_projects, list_tasklists, list_users, get_lookup.",
    watch_filters=("project_id", "tasklist_id"),
    fields=names(
        "id name code project_id tasklist_id seq description complete completed_on completed_by "
        "due_date start_date user_id users billable flat_billing price_per_hour budget_hours "
        "estimated_price price invoiced invoice_item_id priority status_id files_count "
        "comments_count created_on updated_on"
    ),
)

TASKLISTS = ResourceSpec(
    name="tasklists",
    search_fields=("name",),
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
    hint="Ids: list_projects, get_lookup.",
    watch_filters=("project_id",),
    fields=names("id name seq project_id milestone_id created_on updated_on"),
)

PROJECTS = ResourceSpec(
    name="projects",
    search_fields=("name",),
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
    hint="Ids: list_clients, list_users, get_lookup.",
    watch_filters=("client_id",),
    fields=names(
        "id name code task_code_increment description client_id status_id active color users "
        "managers billable flat_billing billing_type price_per_hour price estimated_price "
        "hourly_billing_mode budget_hours adjustable_hours invoiced invoice_item_id workflow_id "
        "created_on updated_on"
    ),
)

CLIENTS = ResourceSpec(
    name="clients",
    search_fields=("name",),
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
    uploads=("image",),
    fields=names(
        "id name address city state postal_code country phone fax email website fiscal_information "
        "active image image_thumb_large image_thumb_medium image_thumb_small created_on updated_on"
    ),
)

INVOICES = ResourceSpec(
    name="invoices",
    search_fields=("number", "title"),
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
    hint="Ids: list_clients, get_lookup. Lines come back with include=['invoiceitems'].",
    watch_filters=("client_id",),
    fields=names(
        "id number client_id template_id status currency date due_date delivery_date subtotal total "
        "tax tax_amount tax2 tax2_amount tax_on_tax discount discount_amount discount_text tax_text "
        "tax2_text language bill_to company_info footer notes outstanding title pay_online "
        "reminder_1_sent reminder_2_sent reminder_3_sent permalink pdf_link download_token token "
        "created_on updated_on"
    ),
)

TIME_ENTRIES = ResourceSpec(
    name="time_entries",
    search_fields=("description",),
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
    fields=names(
        "id project_id task_id user_id client_id is_bulk start_time end_time date duration "
        "description added_manually billed invoice_item_id created_on updated_on"
    ),
)

RESOURCES: tuple[ResourceSpec, ...] = (TASKS, TASKLISTS, PROJECTS, CLIENTS, INVOICES, TIME_ENTRIES)
BY_NAME = {spec.name: spec for spec in RESOURCES}
