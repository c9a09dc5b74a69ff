"""Shared fixtures: the anyio backend (asyncio only)."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
