"""Every Paymo resource the server knows, one declaration each; and the bare endpoints hand-written
tools reach (me, company, hooks, invoice payments).

Adding a resource is adding its declaration to RESOURCES: its tools, toolset, watch, record URI and
wrong-id hint follow from it.
"""

from __future__ import annotations

from paymo_mcp.catalog.spec import Endpoint, ResourceSpec, names
from paymo_mcp.models import (
    clients,
    comments,
    expenses,
    invoices,
    lookups,
    milestones,
    projects,
    tasklists,
    tasks,
    time_entries,
)

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

COMMENTS = ResourceSpec(
    name="comments",
    search_fields=("content",),
    singular="comment",
    noun="comment",
    path="comments",
    key="comments",
    webhook_model="Comment",
    read=comments.Comment,
    create=comments.CommentCreate,
    update=comments.CommentUpdate,
    filters=comments.CommentFilters,
    includes=("thread", "user", "project", "files"),
    toolset="comments",
    opt_in=True,
    cascade="its attached files",
    hint="A task's comments, with ids: get_task include=['thread.comments'].",
    watch_filters=("thread_id",),
    fields=names("id content thread_id user_id created_on updated_on"),
)

EXPENSES = ResourceSpec(
    name="expenses",
    search_fields=("notes",),
    singular="expense",
    noun="expense",
    path="expenses",
    key="expenses",
    webhook_model="Expense",
    toolset="expenses",
    opt_in=True,
    read=expenses.Expense,
    create=expenses.ExpenseCreate,
    update=expenses.ExpenseUpdate,
    filters=expenses.ExpenseFilters,
    includes=("client", "project", "user", "invoiceitems"),
    hint="Ids: list_clients, list_projects, list_users. To bill one: a create_invoice line's expense_id.",
    watch_filters=("client_id", "project_id"),
    fields=names(
        "id client_id project_id user_id amount currency date notes invoiced invoice_item_id tags file "
        "created_on updated_on"
    ),
)

# -- lookups: where the ids the typed tools ask for come from (toolset "lookups") ---------------

USERS = ResourceSpec(
    name="users",
    singular="user",
    noun="user",
    path="users",
    key="users",
    toolset="lookups",
    operations=("list",),
    ids_for="user_id, users and managers; yours: get_me",
    find_hint="your own: get_me",
    read=lookups.User,
    filters=lookups.UserFilters,
    search_fields=("name",),
    includes=("entries", "milestones", "comments", "discussions", "expenses", "files", "reports"),
    fields=names(
        "id name email type active timezone phone skype position workday_hours price_per_hour image "
        "image_thumb_large image_thumb_medium image_thumb_small date_format time_format decimal_sep "
        "thousands_sep week_start language theme assigned_projects managed_projects is_online "
        "created_on updated_on"
    ),
)
WORKFLOW_STATUSES = ResourceSpec(
    name="workflow_statuses",
    singular="workflow_status",
    noun="workflow status",
    path="workflowstatuses",
    key="workflowstatuses",
    toolset="lookups",
    operations=(),
    lookup_kind=True,
    ids_for="a task's status_id, a project's workflow_id",
    read=lookups.WorkflowStatus,
    filters=lookups.WorkflowStatusFilters,
    includes=("workflow",),
    fields=names("id name workflow_id color seq action created_on updated_on"),
)
PROJECT_STATUSES = ResourceSpec(
    name="project_statuses",
    singular="project_status",
    noun="project status",
    path="projectstatuses",
    key="projectstatuses",
    toolset="lookups",
    operations=(),
    lookup_kind=True,
    ids_for="a project's status_id",
    read=lookups.ProjectStatus,
    filters=lookups.NoFilters,
    includes=("projects",),
    fields=names("id name active seq readonly created_on updated_on"),
)
# A full resource (opt-in toolset "milestones") that is also a get_lookup kind in the default server.
MILESTONES = ResourceSpec(
    name="milestones",
    search_fields=("name",),
    singular="milestone",
    noun="milestone",
    path="milestones",
    key="milestones",
    webhook_model="Milestone",
    read=milestones.Milestone,
    create=milestones.MilestoneCreate,
    update=milestones.MilestoneUpdate,
    filters=milestones.MilestoneFilters,
    opt_in=True,
    lookup_kind=True,
    ids_for="milestone_id",
    find_hint="or get_lookup kind=milestones",
    includes=("project", "user", "tasklists"),
    hint="Ids: list_projects, list_users, list_tasklists.",
    watch_filters=("project_id", "user_id"),
    fields=names(
        "id name project_id user_id due_date send_reminder reminder_sent complete linked_tasklists "
        "created_on updated_on"
    ),
)
INVOICE_TEMPLATES = ResourceSpec(
    name="invoice_templates",
    singular="invoice_template",
    noun="invoice template",
    path="invoicetemplates",
    key="invoicetemplates",
    toolset="lookups",
    operations=(),
    lookup_kind=True,
    ids_for="template_id",
    read=lookups.InvoiceTemplate,
    filters=lookups.NoFilters,
    includes=("invoices",),
    fields=names("id name title html css is_default created_on updated_on"),
)

RESOURCES: tuple[ResourceSpec, ...] = (
    TASKS,
    TASKLISTS,
    PROJECTS,
    CLIENTS,
    INVOICES,
    TIME_ENTRIES,
    COMMENTS,
    EXPENSES,
    USERS,
    WORKFLOW_STATUSES,
    PROJECT_STATUSES,
    MILESTONES,
    INVOICE_TEMPLATES,
)
BY_NAME = {spec.name: spec for spec in RESOURCES}
# The small lookup lists, one kind each of get_lookup (users have list_users).
LOOKUP_KINDS = tuple(spec for spec in RESOURCES if spec.lookup_kind)

# -- bare endpoints: records no tool lists by themselves ----------------------------------------

ME = Endpoint(path="me", key="users")  # the API key's user
COMPANY = Endpoint(path="company", key="company")  # the account: default rates, currency
HOOKS = Endpoint(path="hooks", key="hooks")  # the webhooks the watch registers
INVOICE_PAYMENTS = Endpoint(path="invoicepayments", key="invoicepayments")  # record_invoice_payment
