"""Comments (`/api/comments`): a comment lives in the thread of a task, discussion or file; create names
exactly one of the thread, the task, the discussion or the file (comments.md, "Required fields")."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from paymo_mcp.models.common import Id, InputModel, Integer, ListFilters, ReadModel, partial_model

# Where a comment can go, most asked for first; Paymo takes one of them (comments.md).
PLACES = ("task_id", "thread_id", "discussion_id", "file_id")


def _some_text(value: str) -> str:
    if not value.strip():
        raise ValueError("empty: write the comment's text")
    return value


Content = Annotated[str, AfterValidator(_some_text)]


class Comment(ReadModel):
    content: str | None = None
    thread_id: Integer | None = None
    user_id: Integer | None = None


class CommentFilters(ListFilters):
    thread_id: Id | None = Field(
        None, description="Only this thread's comments; a task's thread: get_task include=['thread']."
    )


class CommentCreate(InputModel):
    """Give one of task_id, thread_id, discussion_id, file_id."""

    content: Content = Field(description="The comment (HTML allowed).")
    task_id: Id | None = Field(None, description="Task to comment on (list_tasks).")
    thread_id: Id | None = Field(None, description="Thread to add to (a comment's thread_id).")
    discussion_id: Id | None = Field(None, description="Discussion (get_project include=['discussions']).")
    file_id: Id | None = Field(None, description="File (get_project include=['files']).")

    @model_validator(mode="after")
    def _one_place(self) -> CommentCreate:
        given = [name for name in PLACES if getattr(self, name) is not None]
        if not given:
            raise ValueError(f"give one of {', '.join(PLACES)}: what the comment is on")
        if len(given) > 1:
            raise ValueError(f"give only one of {', '.join(PLACES)}, not {' and '.join(given)}")
        return self


# Only the text changes: the thread, and so what the comment is on, is read-only (comments.md).
CommentUpdate = partial_model(
    "CommentUpdate",
    CommentCreate,
    clearable=frozenset(),
    omit=frozenset(PLACES),
    describe={"content": "New text (HTML allowed); replaces the old."},
)
