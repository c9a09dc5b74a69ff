"""assign_task adds and removes a task's users without replacing the others (Paymo replaces `users`
whole on update, so a plain update_task with one user would drop the rest)."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.helpers import call, fails

pytestmark = pytest.mark.anyio


async def test_adding_and_removing_keeps_the_other_users(mcp: Client) -> None:
    assert (await call(mcp, "get_task", {"id": 4}))["users"] == [2, 3]
    added = await call(mcp, "assign_task", {"task_id": 4, "add": [1]})
    assert (added["users"], added["added"], added["removed"]) == ([2, 3, 1], [1], [])
    removed = await call(mcp, "assign_task", {"task_id": 4, "remove": [2]})
    assert (removed["users"], removed["added"], removed["removed"]) == ([3, 1], [], [2])
    assert sorted((await call(mcp, "get_task", {"id": 4}))["users"]) == [1, 3]


async def test_adding_someone_already_there_changes_nothing(mcp: Client) -> None:
    same = await call(mcp, "assign_task", {"task_id": 4, "add": [3]})
    assert (same["users"], same["added"]) == ([2, 3], [])


async def test_an_unknown_user_or_task_is_named_and_nothing_changes(mcp: Client) -> None:
    message = await fails(mcp, "assign_task", {"task_id": 4, "add": [1, 999]})
    assert message.endswith("add: no user 999 (list_users finds them).")
    assert (await call(mcp, "get_task", {"id": 4}))["users"] == [2, 3]
    assert "no such task 99999" in await fails(mcp, "assign_task", {"task_id": 99999, "add": [1]})
    assert "give add or remove" in await fails(mcp, "assign_task", {"task_id": 4})
