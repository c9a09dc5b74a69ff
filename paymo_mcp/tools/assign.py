"""assign_task: add or remove a task's users without replacing the others (Paymo's `users` is
replaced whole on update, so the tool reads the list, changes it and writes it back)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import Field, model_validator

from paymo_mcp.catalog.resources import TASKS, USERS
from paymo_mcp.client import PaymoNotFoundError
from paymo_mcp.models.common import Id, InputModel
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.rates import records_by_id
from paymo_mcp.tools.toolkit import make_tool, tool_hints


class AssignTask(InputModel):
    task_id: Id = Field(description="Task (list_tasks).")
    add: list[Id] = Field([], description="User ids (list_users).")
    remove: list[Id] = Field([], description="User ids.")

    @model_validator(mode="after")
    def _something(self) -> AssignTask:
        if not self.add and not self.remove:
            raise ValueError("give add or remove")
        if set(self.add) & set(self.remove):
            raise ValueError("a user cannot be both added and removed")
        return self


async def _assign(args: AssignTask, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
    try:
        task = await TASKS.on(app.client).get(args.task_id)
    except PaymoNotFoundError:
        raise ToolError(f"task_id: no such task {args.task_id} (list_tasks finds it).") from None
    unknown = set(args.add) - set(await records_by_id(app.client, USERS, set(args.add)))
    if unknown:
        raise ToolError(f"add: no user {', '.join(map(str, sorted(unknown)))} (list_users finds them).")
    before = [int(u) for u in task.get("users") or []]
    after = [u for u in before if u not in args.remove] + [u for u in args.add if u not in before]
    if after != before:
        task = await TASKS.on(app.client).update(args.task_id, {"users": after})
    now = [int(u) for u in task.get("users") or []]
    return {
        "id": task["id"],
        "name": task.get("name"),
        "users": now,
        "added": [u for u in now if u not in before],
        "removed": [u for u in before if u not in now],
    }


def assign_tool() -> Tool:
    return make_tool(
        name="assign_task",
        description=(
            "Add or remove users on a task, keeping the others. Reads then writes the list: a change "
            "made by someone else at the same moment can be lost."
        ),
        input_model=AssignTask,
        handler=_assign,
        annotations=tool_hints("Assign task", read_only=False, idempotent=True),
    )
