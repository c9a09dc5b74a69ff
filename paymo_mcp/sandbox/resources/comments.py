"""Comments and their threads (comments.md): a comment lives in the thread of a task, discussion or file;
creating one names the thread, or the task, discussion or file whose thread it finds or starts."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import Behaviour, Int, Record, Resource, Text, children, parent
from paymo_mcp.sandbox.values import Kind, coerce

# What a comment can be attached to, in the docs' order: the thread itself, or what the thread is on.
_THREAD_TARGETS = (("task_id", "tasks"), ("discussion_id", "discussions"), ("file_id", "files"))
_PLACES = ("thread_id", *(field for field, _ in _THREAD_TARGETS))


def _count_comments(ctx: Ctx, task_ids: set[int]) -> None:
    """Keep each task's `comments_count` (tasks' webhook example) equal to the comments in its thread.

    Written straight to storage: counting a comment does not change the task (no update event, no
    new `updated_on`)."""
    for task_id in task_ids:
        if ctx.get("tasks", task_id) is None:
            continue  # the task went with its thread (a task delete cascades)
        threads = [t["id"] for t in ctx.find("threads", "t.task_id = ?", [task_id])]
        count = len(ctx.find_in("comments", "thread_id", threads)) if threads else 0
        ctx.storage.update("tasks", task_id, {"comments_count": count})


def _tasks_of(ctx: Ctx, thread_ids: set[int]) -> set[int]:
    threads = [ctx.get("threads", i) for i in thread_ids]
    return {int(t["task_id"]) for t in threads if t is not None and t.get("task_id") is not None}


class ThreadBehaviour(Behaviour):
    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        _count_comments(ctx, {int(t["task_id"]) for t in records if t.get("task_id") is not None})


# The thread object (comments.md): every field read-only; listed with `where=task_id=...` (or
# project_id, discussion_id, file_id) and `include=comments`.
THREADS = Resource(
    name="threads",
    fields=(
        Int("project_id", writable=False),
        Int("discussion_id", writable=False),
        Int("task_id", writable=False),
        Int("file_id", writable=False),
    ),
    relations=(
        parent("project", "projects", "project_id"),
        parent("discussion", "discussions", "discussion_id"),
        parent("task", "tasks", "task_id"),
        parent("file", "files", "file_id"),
        children("comments", "comments", "thread_id"),
    ),
    cascade=("comments",),
    methods=frozenset({"list", "get", "delete"}),
    behaviour=ThreadBehaviour(),
)


class CommentBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        """A comment goes into a thread; naming a task, discussion or file finds or starts its thread."""
        values["user_id"] = ctx.user_id or None
        if not (values.get("content") or "").strip():
            raise bad_request("Invalid content: a comment cannot be empty")
        given = [f for f in _PLACES if body.get(f) is not None and body.get(f) != ""]
        if len(given) > 1:
            raise bad_request(f"Give only one of {', '.join(_PLACES)}: got {', '.join(given)}")
        if body.get("thread_id") not in (None, ""):
            thread_id = coerce(Kind.INT, "thread_id", body["thread_id"])
            thread = ctx.ref("threads", "thread_id", thread_id)
        else:
            field, resource = next((f, r) for f, r in _THREAD_TARGETS if f in given)
            target = ctx.ref(resource, field, coerce(Kind.INT, field, body[field]))
            found = ctx.find("threads", f"t.{field} = ?", [target["id"]])
            thread = (
                found[0]
                if found
                else ctx.insert("threads", {field: target["id"], "project_id": target.get("project_id")})
            )
        values["thread_id"] = thread["id"]
        values["project_id"] = thread.get("project_id")

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        _count_comments(ctx, _tasks_of(ctx, {int(record["thread_id"])}))

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if "content" in changes and not (changes["content"] or "").strip():
            raise bad_request("Invalid content: a comment cannot be empty")

    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        _count_comments(ctx, _tasks_of(ctx, {int(r["thread_id"]) for r in records if r.get("thread_id")}))


# The comment object (comments.md): `thread_id` and `user_id` read-only (the thread is chosen on create
# from the body). The `project` include is a parent, but the object shows no project_id: the thread's
# project is kept in a hidden column for it.
COMMENTS = Resource(
    name="comments",
    model="Comment",
    required=("content", "thread_id or task_id or discussion_id or file_id"),
    fields=(
        Text("content"),
        Int("thread_id", writable=False),
        Int("user_id", writable=False),
        Int("project_id", writable=False, hidden=True),
    ),
    relations=(
        parent("thread", "threads", "thread_id"),
        parent("user", "users", "user_id"),
        parent("project", "projects", "project_id"),
        children("files", "files", "comment_id"),
    ),
    cascade=("files",),
    behaviour=CommentBehaviour(),
)
