"""The where/include builders render values the way Paymo's docs show them."""

from datetime import UTC, date, datetime

import pytest

from paymo_mcp.client import Condition, build_include, build_where, format_value


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (1.5, "1.5"),
        ("Sample Project", '"Sample Project"'),
        ('say "hi"', '"say \\"hi\\""'),
        (date(2014, 9, 1), "2014-09-01"),
        (datetime(2020, 3, 11, 19, 20, 41, tzinfo=UTC), "1583954441"),
        ([123, 124], "(123,124)"),
        (["draft", "void"], '("draft","void")'),
    ],
)
def test_values_are_quoted_as_paymo_documents(value: object, rendered: str) -> None:
    assert format_value(value) == rendered


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert format_value(datetime(2020, 3, 11, 19, 20, 41)) == "1583954441"


def test_conditions_join_with_and_and_word_operators_get_spaces() -> None:
    where = build_where(
        [
            Condition("complete", "=", False),
            Condition("users", "in", [5, 6]),
            Condition("name", "like", "%Acme%"),
            Condition("total", ">=", 100),
        ]
    )
    assert where == 'complete=false and users in (5,6) and name like "%Acme%" and total>=100'


def test_no_conditions_means_no_where_parameter() -> None:
    assert build_where([]) is None


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [("name;drop", "=", 1), ("name", "==", 1), ("users", "in", 5), ("Name", "=", 1)],
)
def test_bad_conditions_are_refused(field: str, op: str, value: object) -> None:
    with pytest.raises(ValueError):
        Condition(field, op, value)


def test_control_characters_cannot_reach_a_where_value() -> None:
    with pytest.raises(ValueError):
        format_value("a\nb")


def test_include_joins_keys_and_dotted_paths_once() -> None:
    assert build_include(["project", "project.client.name", "project"]) == "project,project.client.name"
    assert build_include([]) is None
    with pytest.raises(ValueError):
        build_include(["project,tasks"])
