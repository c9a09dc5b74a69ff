"""Prompts render with the account's real data; resource template ids complete from names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ResourceTemplateReference

from tests.helpers import call

pytestmark = pytest.mark.anyio


async def render(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    assert len(result.messages) == 1 and result.messages[0].role == "user"
    text: str = result.messages[0].content.text  # type: ignore[union-attr]
    return text


async def test_the_three_prompts_are_listed_with_described_arguments(mcp: Client) -> None:
    prompts = {p.name: p for p in (await mcp.list_prompts()).prompts}
    assert set(prompts) == {"log_time", "weekly_timesheet", "invoice_unbilled_time"}
    required = {
        "log_time": {"task": True, "duration": True, "day": False, "note": False},
        "weekly_timesheet": {"user_id": False, "week_of": False},
        "invoice_unbilled_time": {"client_id": True, "start": False, "end": False},
    }
    for name, arguments in required.items():
        prompt = prompts[name]
        assert prompt.description, name
        assert {a.name: a.required for a in prompt.arguments or []} == arguments
        for argument in prompt.arguments or []:
            assert argument.description and len(argument.description) > 10, f"{name}.{argument.name}"


async def sam_week(mcp: Client) -> None:
    """Sam Chen (user 3) in the week 2026-03-02 .. 2026-03-08, plus time that must not count."""
    for body in (
        {"task_id": 6, "user_id": 3, "date": "2026-03-02", "duration": 5400},  # Set up CMS (Website Redesign)
        {"task_id": 6, "user_id": 3, "date": "2026-03-04", "duration": 1800},
        {
            "task_id": 10,
            "user_id": 3,
            "start_time": "2026-03-03T13:00:00Z",
            "end_time": "2026-03-03T13:45:00Z",
        },
        {"task_id": 6, "user_id": 3, "date": "2026-03-09", "duration": 3600},  # the next week
        {"task_id": 6, "user_id": 3, "date": "2026-03-01", "duration": 3600},  # the Sunday before
        {"task_id": 4, "user_id": 2, "date": "2026-03-03", "duration": 10800},  # Maria, same week
    ):
        await call(mcp, "create_time_entry", body)


# Hand-summed: Website Redesign 1.5 + 0.5 = 2.00 h; Mobile App (Push notifications) 0.75 h; 2.75 h in all.
async def test_weekly_timesheet_sums_a_users_week_by_project_and_day(mcp: Client) -> None:
    await sam_week(mcp)
    text = await render(mcp, "weekly_timesheet", {"user_id": "3", "week_of": "2026-03-04"})
    assert "user 3 (Sam Chen), 2026-03-02 to 2026-03-08 (3 entries, 2.75 h in all)" in text
    assert "| Mobile App | 0.75 |\n| Website Redesign | 2.00 |" in text
    assert "By day: 2026-03-02: 1.50 h, 2026-03-03: 0.75 h, 2026-03-04: 0.50 h." in text
    assert "create_time_entry" in text
    by_name = await render(mcp, "weekly_timesheet", {"user_id": "sam", "week_of": "2026-03-08"})
    assert by_name == text  # a name finds the same user; any day of the week gives the same week


async def test_weekly_timesheet_defaults_to_the_api_keys_user(mcp: Client) -> None:
    await sam_week(mcp)
    text = await render(mcp, "weekly_timesheet", {"week_of": "2026-03-02"})
    assert "user 1 (Alex Admin), 2026-03-02 to 2026-03-08 (0 entries, 0.00 h in all)" in text
    assert "| (no time) | 0.00 |" in text


async def test_weekly_timesheet_of_a_seeded_week(mcp: Client) -> None:
    # Seeded: Maria, 2026-09-14 09:00-11:30 and 2026-09-15 13:00-15:00, both on Website Redesign.
    text = await render(mcp, "weekly_timesheet", {"user_id": "2", "week_of": "2026-09-16"})
    assert "(2 entries, 4.50 h in all)" in text and "| Website Redesign | 4.50 |" in text
    assert "2026-09-14: 2.50 h, 2026-09-15: 2.00 h" in text


async def test_prompt_argument_errors_reach_the_client_as_one_clear_line(mcp: Client) -> None:
    cases: list[tuple[str, dict[str, str], str]] = [
        (
            "weekly_timesheet",
            {"week_of": "next week"},
            "week_of: 'next week' is not a date; write YYYY-MM-DD",
        ),
        (
            "weekly_timesheet",
            {"user_id": "e"},
            "should name one user",
        ),  # Alex, Maria, Sam, Gina all have an e
        ("weekly_timesheet", {"user_id": "99"}, "user_id:"),
        ("invoice_unbilled_time", {"client_id": "acme"}, "client_id must be a number"),
        (
            "invoice_unbilled_time",
            {"client_id": "1", "start": "2026-03-09", "end": "2026-03-02"},
            "is before start",
        ),
        (
            "log_time",
            {"task": "cms", "duration": "1h", "day": "31/12/2026"},
            "day: '31/12/2026' is not a date",
        ),
    ]
    for name, arguments, expected in cases:
        with pytest.raises(MCPError) as raised:
            await mcp.get_prompt(name, arguments)
        assert raised.value.code == INVALID_PARAMS, (name, arguments)
        assert expected in raised.value.message and "\n" not in raised.value.message, raised.value.message


async def test_log_time_lists_the_open_tasks_that_match(mcp: Client) -> None:
    text = await render(
        mcp, "log_time", {"task": "design", "duration": "1h30m", "day": "2026-03-04", "note": "Hero"}
    )
    assert text.startswith("Log 1h30m on 2026-03-04 for the task 'design', described as 'Hero'.")
    # "Visual design" (in progress) and "Design review with Acme" (to do) are open; none of the done ones is.
    assert "- task 4: Visual design (project Website Redesign)" in text
    assert "- task 5: Design review with Acme (project Website Redesign)" in text
    assert text.count("- task ") == 2
    nothing = await render(
        mcp, "log_time", {"task": "wireframes", "duration": "1h"}
    )  # Wireframes is complete
    assert "(no open task matches 'wireframes')" in nothing


async def test_invoice_unbilled_time_shows_the_clients_unbilled_time(mcp: Client) -> None:
    # Seeded Globex time: "Audience research" (Brand Guidelines), 2 h on 2026-09-29, not billed.
    text = await render(
        mcp, "invoice_unbilled_time", {"client_id": "2", "start": "2026-09-01", "end": "2026-09-30"}
    )
    assert "client 2 (Globex Ltd) from 2026-09-01 to 2026-09-30" in text
    assert (
        "1 unbilled entry for this client in that range, 2.00 h in all:\n- Brand Guidelines: 2.00 h" in text
    )
    assert "create_invoice_from_time with client_id=2, start=2026-09-01, end=2026-09-30, dry_run=true" in text
    # Once invoiced, the prompt says there is nothing left (and does not send the model to invoice it).
    await call(mcp, "create_invoice_from_time", {"client_id": 2, "start": "2026-09-01", "end": "2026-09-30"})
    after = await render(
        mcp, "invoice_unbilled_time", {"client_id": "2", "start": "2026-09-01", "end": "2026-09-30"}
    )
    assert "0 unbilled entries" in after and "nothing to invoice" in after
    assert "dry_run=true" not in after


# -- completion ----------------------------------------------------------------------------------


def template(uri: str) -> ResourceTemplateReference:
    return ResourceTemplateReference(type="ref/resource", uri=uri)


async def completed(client: Client, uri: str, argument: str, value: str) -> list[str]:
    return (await client.complete(template(uri), {"name": argument, "value": value})).completion.values


async def test_project_ids_complete_from_part_of_a_name(mcp: Client) -> None:
    projects = "paymo://projects/{project_id}"
    assert await completed(mcp, projects, "project_id", "redes") == ["1"]  # Website Redesign
    assert await completed(mcp, projects, "project_id", "A") == ["2", "3", "4"]  # Mobile App, Brand, Data
    assert await completed(mcp, projects, "project_id", "no such project") == []
    made = await call(mcp, "create_project", {"name": "Zephyr Launch", "client_id": 2})
    assert await completed(mcp, projects, "project_id", "zeph") == [str(made["id"])]
    assert await completed(mcp, projects, "project_id", str(made["id"])) == [str(made["id"])]


async def test_other_templates_complete_from_their_own_text_field(mcp: Client) -> None:
    assert await completed(mcp, "paymo://clients/{client_id}", "client_id", "glob") == ["2"]
    assert await completed(mcp, "paymo://tasks/{task_id}", "task_id", "crm") == ["15"]  # Export legacy CRM
    # Invoices have no name: their number ("#INV-20261031-1"); time entries: their description.
    assert await completed(mcp, "paymo://invoices/{invoice_id}", "invoice_id", "20261031") == ["1"]
    assert await completed(mcp, "paymo://time_entries/{time_entry_id}", "time_entry_id", "APNs") == ["8"]


async def test_a_completed_id_reads_back_as_the_record(mcp: Client) -> None:
    (project_id,) = await completed(mcp, "paymo://projects/{project_id}", "project_id", "brand")
    result = await mcp.read_resource(f"paymo://projects/{project_id}")
    record: dict[str, Any] = json.loads(result.contents[0].text)  # type: ignore[union-attr]
    assert (record["id"], record["name"], record["code"], record["client_id"]) == (
        3,
        "Brand Guidelines",
        "BRAND",
        2,
    )
    assert result.contents[0].mime_type == "application/json"


async def test_reading_a_missing_or_malformed_record_says_which(mcp: Client) -> None:
    with pytest.raises(MCPError) as missing:
        await mcp.read_resource("paymo://projects/999")
    assert missing.value.code == INVALID_PARAMS and "there is no project with id 999" in missing.value.message
    with pytest.raises(MCPError) as malformed:
        await mcp.read_resource("paymo://tasks/first")
    assert "task_id must be a number" in malformed.value.message
