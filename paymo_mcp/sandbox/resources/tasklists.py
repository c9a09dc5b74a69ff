"""Task lists (`/api/tasklists`): ordered lists of tasks inside a project, optionally tied to a milestone."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.resources.ordering import next_seq, reorder
from paymo_mcp.sandbox.schema import Behaviour, Int, Record, Resource, Text, children, parent
from paymo_mcp.sandbox.values import Kind, coerce


def default_tasklist(ctx: Ctx, project_id: int) -> Record:
    """The project's "Default Task List", created the first time a task arrives with only a project_id.

    Found by its exact name, as tasks.md:142 says: a list renamed by a user is not it, so a new one is made.
    The name is the `default_tasklist_name` quirk (a localized account), "Default Task List" otherwise.
    """
    name = ctx.quirks.default_tasklist_name
    found = ctx.find("tasklists", "t.project_id = ? AND t.name = ?", [project_id, name])
    if found:
        return found[0]
    return ctx.create("tasklists", {"name": name, "project_id": project_id})


class TasklistBehaviour(Behaviour):
    def _milestone(self, ctx: Ctx, milestone_id: int | None, project_id: int) -> None:
        if milestone_id is None:
            return
        milestone = ctx.ref("milestones", "milestone_id", milestone_id)
        if milestone["project_id"] != project_id:
            raise bad_request(f"Invalid milestone_id: milestone {milestone_id} belongs to another project")

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        project = ctx.ref("projects", "project_id", coerce(Kind.INT, "project_id", body["project_id"]))
        values["project_id"] = project["id"]
        self._milestone(ctx, values.get("milestone_id"), project["id"])
        if values.get("seq") is None:
            values["seq"] = next_seq(ctx, "tasklists", "project_id", project["id"])

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if "milestone_id" in changes:
            self._milestone(ctx, changes["milestone_id"], old["project_id"])

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        if "tasks_order" in body:
            reorder(ctx, "tasks", "tasklist_id", new["id"], "tasks_order", body["tasks_order"])


TASKLISTS = Resource(
    name="tasklists",
    model="Tasklist",
    required=("name", "project_id"),
    fields=(
        Text("name"),
        Int("seq"),
        Int("project_id", writable=False),
        Int("milestone_id"),
    ),
    relations=(
        parent("project", "projects", "project_id"),
        parent("milestone", "milestones", "milestone_id"),
        children("tasks", "tasks", "tasklist_id"),
    ),
    cascade=("tasks",),
    webhook_include="project.name",
    behaviour=TasklistBehaviour(),
)
