"""Each PAYMO_* variable is declared once, on its Settings field (its name and what it means), and the
README's table says the same; how from_env reads them, and that Settings built in code reads none.
(tests/test_config_values.py runs the refused values through the real command.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from paymo_mcp.config import VARIABLES, Settings

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(PAYMO_[A-Z_]+)[^|]*\| (.+) \|$", re.M)


def readme_rows() -> list[tuple[str, str]]:
    """(variable, meaning) of each row of the README's table of variables."""
    return ROW.findall((ROOT / "README.md").read_text())


def test_the_readme_documents_each_variable_once_as_its_field_does() -> None:
    rows = readme_rows()
    named = [variable for variable, _ in rows]
    assert len(named) == len(set(named)), f"a variable has two rows: {named}"
    meanings = dict(rows)
    for variable, name in VARIABLES.items():
        description = Settings.model_fields[name].description
        assert description, f"Settings.{name} ({variable}) has no description"
        assert variable in meanings, f"README has no row for {variable}; its field says: {description}"
        assert meanings[variable] == description, (
            f"README's {variable} row differs from Settings.{name}'s description: {description}"
        )


def test_the_readmes_other_variables_are_the_commands_own() -> None:
    cli = (ROOT / "paymo_mcp" / "cli.py").read_text()
    for variable, _ in readme_rows():
        assert variable in VARIABLES or f'"{variable}"' in cli, f"README documents {variable}, read nowhere"


def test_every_field_says_what_it_is() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_settings_built_in_code_read_no_variable_nor_dotenv_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PAYMO_READ_ONLY=1\nPAYMO_TIMEOUT=5\n")
    monkeypatch.setenv("PAYMO_READ_ONLY", "1")
    monkeypatch.setenv("PAYMO_API_KEY", "from-the-environment")
    settings = Settings(api_key=SecretStr("k"))
    assert settings.read_only is False and settings.api_key == SecretStr("k")
    assert Settings().api_key is None and Settings().timeout_s == 30.0
    assert Settings.from_env().read_only is True  # from_env reads the process's variables
    assert Settings.from_env().timeout_s == 30.0  # and never a .env file


def test_only_fields_that_name_a_variable_are_read() -> None:
    settings = Settings.from_env({"PAYMO_SANDBOX": "1", "PAYMO_RETRY_BUDGET_S": "1", "SANDBOX": "1"})
    assert settings.sandbox is False and settings.retry_budget_s == 30.0
    assert Settings.from_env({"paymo_read_only": "1"}).read_only is False  # the name as documented


def test_each_variable_sets_its_field() -> None:
    settings = Settings.from_env(
        {
            "PAYMO_API_KEY": "key",
            "PAYMO_PASSWORD": "pw",
            "PAYMO_BASE_URL": "http://127.0.0.1:1/api/",
            "PAYMO_TIMEOUT": " 2.5 ",
            "PAYMO_MAX_TRIES": "2",
            "PAYMO_READ_ONLY": "on",
            "PAYMO_TOOLSETS": "tasks,tasklists,projects,invoices,lookups",
            "PAYMO_NO_CONFIRM": "YES",
            "PAYMO_STATE_DIR": "/tmp/paymo-state",
            "PAYMO_WEBHOOK_URL": "https://hooks.example/",
            "PAYMO_WEBHOOK_PORT": "8787",
            "PAYMO_WEBHOOK_HOST": "0.0.0.0",
            "PAYMO_DATABASE_URL": "postgresql://u:pw@db/paymo",
            "PAYMO_MULTI_USER": "1",
            "PAYMO_MCP_SECRET": "s3cret",
            "PAYMO_MCP_PUBLIC_URL": "https://paymo-mcp.example",
            "PAYMO_MCP_KEY_HEADER": "1",
        }
    )
    assert settings.key_header is True
    assert settings.multi_user is True and settings.mcp_secret == SecretStr("s3cret")
    assert settings.public_url == "https://paymo-mcp.example"
    assert settings.api_key == SecretStr("key") and settings.password == SecretStr("pw")
    assert settings.database_url == SecretStr("postgresql://u:pw@db/paymo")
    assert (settings.base_url, settings.timeout_s, settings.max_tries) == ("http://127.0.0.1:1/api/", 2.5, 2)
    assert settings.read_only is True and settings.confirm_deletes is False
    assert settings.toolsets == ("tasks", "tasklists", "projects", "invoices", "lookups")
    assert settings.state_dir == Path("/tmp/paymo-state")
    assert (settings.webhook_url, settings.webhook_port, settings.webhook_host) == (
        "https://hooks.example/",
        8787,
        "0.0.0.0",
    )
    assert settings.model_fields_set == set(VARIABLES.values())
    assert Settings.from_env({"PAYMO_NO_CONFIRM": "off"}).confirm_deletes is True


def test_an_empty_variable_counts_as_unset() -> None:
    empty = Settings.from_env(dict.fromkeys(VARIABLES, ""))
    assert empty.model_fields_set == set()
    assert empty.api_key is None and empty.timeout_s == 30.0 and empty.read_only is False


def test_flags_win_over_variables_but_a_refused_variable_is_still_refused() -> None:
    env = {"PAYMO_READ_ONLY": "0", "PAYMO_TIMEOUT": "5", "PAYMO_WEBHOOK_PORT": "8787", "PAYMO_API_KEY": "k"}
    settings = Settings.from_env(env, read_only=True, webhook_port=None, confirm_deletes=False)
    assert (settings.read_only, settings.webhook_port, settings.confirm_deletes) == (True, 8787, False)
    assert settings.timeout_s == 5.0 and settings.api_key == SecretStr("k")
    set_fields = {"read_only", "timeout_s", "webhook_port", "confirm_deletes", "api_key"}
    assert settings.model_fields_set == set_fields
    with pytest.raises(ValueError, match="PAYMO_READ_ONLY: 'enabled' is not a yes/no value"):
        Settings.from_env({"PAYMO_READ_ONLY": "enabled"}, read_only=True)


def test_a_refused_flag_is_named_by_its_field() -> None:
    with pytest.raises(ValueError) as refused:
        Settings.from_env({"PAYMO_WEBHOOK_PORT": "80"}, webhook_port=70000)
    assert str(refused.value) == "webhook_port=70000: Input should be less than or equal to 65535"


def test_a_refused_secret_is_named_but_never_shown() -> None:
    with pytest.raises(ValueError) as refused:
        Settings.from_env({}, api_key=["secret-canary-7"])
    assert str(refused.value).startswith("api_key: ") and "secret-canary-7" not in str(refused.value)


def test_a_misspelt_field_in_code_is_refused() -> None:
    with pytest.raises(ValueError, match="readonly"):
        Settings(readonly=True)  # type: ignore[call-arg]
