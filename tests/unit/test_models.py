"""Resource-specific input rules that are checked before any request reaches Paymo."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from paymo_mcp.models.invoices import InvoiceCreate, InvoiceFilters
from paymo_mcp.models.projects import ProjectCreate
from paymo_mcp.models.tasks import TaskCreate, TaskUpdate
from paymo_mcp.models.time_entries import TimeEntryCreate, TimeEntryFilters, parse_duration


def errors(model: type[BaseModel], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (5400, 5400),
        ("5400", 5400),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("90 min", 5400),
        ("1:30", 5400),
        ("2h", 7200),
        ("45m", 2700),
        ("1h 15m 30s", 4530),
    ],
)
def test_durations_read_like_a_person_writes_them(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_a_duration_that_is_not_one_is_refused() -> None:
    assert "duration" in errors(TimeEntryCreate, {"task_id": 1, "date": "2024-01-02", "duration": "soon"})


def test_time_entry_modes_are_exclusive() -> None:
    both = {
        "task_id": 1,
        "start_time": "2024-01-02T09:00:00Z",
        "end_time": "2024-01-02T10:00:00Z",
        "date": "2024-01-02",
        "duration": 3600,
    }
    assert "not both" in errors(TimeEntryCreate, both)
    assert "both date and duration" in errors(TimeEntryCreate, {"task_id": 1, "date": "2024-01-02"})
    assert "needs start_time" in errors(TimeEntryCreate, {"task_id": 1, "end_time": "2024-01-02T10:00:00Z"})
    assert "start_time + end_time" in errors(TimeEntryCreate, {"task_id": 1})


def test_start_end_entries_shorter_than_a_minute_are_refused_but_short_bulk_durations_are_not() -> None:
    short = {"task_id": 1, "start_time": "2024-01-02T09:00:00Z", "end_time": "2024-01-02T09:00:59Z"}
    assert "at least 1 minute" in errors(TimeEntryCreate, short)
    # entries.md: the 1-minute minimum is for start/end entries (audit D14); a bulk duration is positive.
    assert TimeEntryCreate.model_validate({"task_id": 1, "date": "2024-01-02", "duration": 59}).duration == 59
    assert "duration" in errors(TimeEntryCreate, {"task_id": 1, "date": "2024-01-02", "duration": 0})


def test_time_entry_times_go_to_paymo_in_utc() -> None:
    entry = TimeEntryCreate.model_validate(
        {"task_id": 1, "start_time": "2024-01-02T10:00:00+01:00", "end_time": "2024-01-02T11:30:00+01:00"}
    )
    assert entry.paymo_body() == {
        "task_id": 1,
        "start_time": "2024-01-02T09:00:00Z",
        "end_time": "2024-01-02T10:30:00Z",
    }


def test_entry_range_filter_becomes_time_interval() -> None:
    f = TimeEntryFilters.model_validate({"user_id": 3, "start": "2024-01-01T00:00:00Z", "end": "2024-01-08"})
    rendered = [c.render() for c in f.conditions()]
    assert rendered == ["user_id=3", 'time_interval in ("2024-01-01T00:00:00Z","2024-01-08T00:00:00Z")']


def test_task_priority_accepts_words_and_the_four_levels_only() -> None:
    base = {"name": "x", "project_id": 1}
    assert TaskCreate.model_validate({**base, "priority": "High"}).priority == 75
    assert TaskCreate.model_validate({**base, "priority": 25}).priority == 25
    assert "priority" in errors(TaskCreate, {**base, "priority": 60})
    assert "priority" in errors(TaskCreate, {**base, "priority": "urgent"})


def test_a_task_needs_a_tasklist_or_a_project() -> None:
    assert "tasklist_id or project_id" in errors(TaskCreate, {"name": "x"})


def test_task_update_sends_only_given_fields_and_null_clears_clearable_ones() -> None:
    update = TaskUpdate.model_validate({"id": 4, "due_date": None, "priority": "low"})
    assert update.model_dump(mode="json", exclude_unset=True) == {"id": 4, "due_date": None, "priority": 25}
    assert "cannot" in errors(TaskUpdate, {"id": 4, "name": None}) or "name" in errors(
        TaskUpdate, {"id": 4, "name": None}
    )


@pytest.mark.parametrize("code", ["web", "WEB-1", "W B", "ÄB", ""])
def test_project_codes_are_capital_letters_and_digits(code: str) -> None:
    assert "code" in errors(ProjectCreate, {"name": "P", "code": code})


def test_invoice_currency_is_any_iso_code_and_paymo_judges_it() -> None:
    # D10: the docs' 2018 list (with the typo TBH) does not decide; THB and newer codes go to Paymo.
    assert InvoiceCreate.model_validate({"client_id": 1, "currency": "eur"}).currency == "EUR"
    assert InvoiceCreate.model_validate({"client_id": 1, "currency": "THB"}).currency == "THB"
    assert InvoiceCreate.model_validate({"client_id": 1, "currency": "US$"}).currency == "US$"
    for bad in ("EURO", "E1", "€"):
        assert "currency" in errors(InvoiceCreate, {"client_id": 1, "currency": bad})


def test_project_code_has_no_invented_length_limit() -> None:
    # D23: the docs say letters A-Z and digits, and give no maximum length.
    code = "ABCDEFGHIJ0123456789"
    assert ProjectCreate.model_validate({"name": "P", "code": code}).code == code


def test_new_invoice_lines_need_item_price_and_quantity() -> None:
    assert "item 0" in errors(InvoiceCreate, {"client_id": 1, "currency": "USD", "items": [{"item": "x"}]})


@pytest.mark.parametrize(
    ("total", "rendered"), [(">100", "total>100"), ("<= 50.5", "total<=50.5"), ("200", "total=200")]
)
def test_invoice_total_comparisons(total: str, rendered: str) -> None:
    assert [c.render() for c in InvoiceFilters(total=total).conditions()] == [rendered]


def test_invoice_total_must_be_a_comparison() -> None:
    assert "comparison" in errors(InvoiceFilters, {"total": "lots"})
