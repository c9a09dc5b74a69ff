"""Types shared by list filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _only_true(value: bool) -> bool:
    if not value:
        raise ValueError("only true filters; omit it for all records")
    return value


# A filter with no useful opposite (not overdue = done, not yet due, or no due date: no `or` in Paymo).
OnlyTrue = Annotated[bool, AfterValidator(_only_true)]
