"""The API key, password and webhook secrets never appear in results, errors, logs, exceptions or reprs.
(conftest.py also checks every recorded output of the whole session for the canary key.)"""

from __future__ import annotations

import logging

import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import CANARY_KEY, TRANSCRIPT, fails, settings_for

pytestmark = pytest.mark.anyio


def test_config_and_client_reprs_hide_secrets() -> None:
    settings = Settings(api_key=SecretStr(CANARY_KEY), password=SecretStr("hunter2-canary"))
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert CANARY_KEY not in text and "hunter2-canary" not in text
    assert CANARY_KEY not in repr(PaymoClient(CANARY_KEY))


async def test_auth_failure_does_not_echo_the_key(
    fresh: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-canary-key-0000"
    async with Client(build_server(settings_for(fresh, api_key=SecretStr(wrong)))) as mcp:
        error = await fails(mcp, "list_tasks")
    assert "401" in error and "PAYMO_API_KEY" in error
    assert wrong not in error and wrong not in caplog.text


async def test_the_session_transcript_is_being_recorded(mcp: Client) -> None:
    before = len(TRANSCRIPT)
    await fails(mcp, "get_task", {"id": 999999})
    assert len(TRANSCRIPT) > before and all(CANARY_KEY not in line for line in TRANSCRIPT)
