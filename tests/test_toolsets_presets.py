"""Role presets for --toolsets / PAYMO_TOOLSETS: `timesheet`, `pm` and `billing` stand for the toolsets
that kind of work needs, mix with plain toolset names, and serve a much smaller tool list, whose size
the README states as bench/tool_list.py measures it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import PRESETS, TOOLSETS, Settings, parse_toolsets
from paymo_mcp.server.app import build_server

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parent.parent


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tool_list", ROOT / "bench" / "tool_list.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_presets_expand_to_toolsets_in_a_stable_order() -> None:
    assert parse_toolsets("timesheet") == ("tasks", "time_entries", "timers", "lookups")
    pm = ("tasks", "tasklists", "projects", "comments", "milestones", "lookups")
    assert parse_toolsets("pm") == pm
    billing = ("clients", "invoices", "time_entries", "expenses", "payments", "lookups")
    assert parse_toolsets("billing") == billing
    assert parse_toolsets(" pm , invoices,tasks") == (
        "tasks",
        "tasklists",
        "projects",
        "invoices",
        "comments",
        "milestones",
        "lookups",
    )
    assert {"timers", "payments"} <= set(TOOLSETS)
    assert all(set(sets) <= set(TOOLSETS) for sets in PRESETS.values())


def test_presets_come_from_the_environment_and_unknown_names_list_them() -> None:
    settings = Settings.from_env({"PAYMO_API_KEY": "k", "PAYMO_TOOLSETS": "billing"})
    assert settings.toolsets == ("clients", "invoices", "time_entries", "expenses", "payments", "lookups")
    with pytest.raises(ValueError) as refused:
        Settings.from_env({"PAYMO_API_KEY": "k", "PAYMO_TOOLSETS": "timesheets"})
    assert "PAYMO_TOOLSETS" in str(refused.value) and "timesheet, pm, billing" in str(refused.value)


async def served(toolsets: str) -> set[str]:
    settings = Settings(api_key=SecretStr("k"), toolsets=parse_toolsets(toolsets))
    async with Client(build_server(settings)) as client:
        return {t.name for t in (await client.list_tools()).tools}


async def test_each_preset_serves_the_tools_of_its_work() -> None:
    timesheet, pm, billing = await served("timesheet"), await served("pm"), await served("billing")
    assert {"create_time_entry", "list_time_entries", "list_tasks", "get_me", "get_lookup"} <= timesheet
    assert not any(n.endswith(("_invoice", "_invoices", "_project", "_client")) for n in timesheet)
    assert {"create_task", "update_tasklist", "list_projects", "list_users"} <= pm
    assert {"create_comment", "create_milestone", "watch_new_comments"} <= pm  # opt-in, chosen by pm
    assert not any("time_entr" in n or "invoice" in n for n in pm)
    assert {"list_clients", "create_invoice", "create_invoice_from_time", "list_time_entries"} <= billing
    assert {"create_expense", "list_expenses"} <= billing
    assert not any(n.endswith(("_task", "_tasks")) for n in billing)
    assert "api_call" not in timesheet | pm | billing


async def test_the_readme_gives_each_presets_size_as_measured() -> None:
    measure = bench().measure
    readme = (ROOT / "README.md").read_text()
    default, whole, _ = await measure()
    assert whole > default
    for preset in PRESETS:
        visible, _, count = await measure(preset)
        assert visible < default / 1.5, f"{preset}: {visible} bytes is not much smaller than {default}"
        row = re.search(rf"^\| `{preset}` \|[^|]*\| (\d+) \| ([\d,]+) \|$", readme, re.M)
        assert row, f"README has no row for the {preset} preset"
        assert (int(row[1]), int(row[2].replace(",", ""))) == (count, visible), (
            f"README's {preset} row is stale: run python bench/tool_list.py and update it"
        )
