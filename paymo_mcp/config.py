"""Settings from the environment and command-line flags; secrets are SecretStr and never printed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from paymo_mcp.client.paymo import DEFAULT_BASE_URL

TOOLSETS = ("tasks", "tasklists", "projects", "clients", "invoices", "time_entries", "lookups", "api")


def default_state_dir() -> Path:
    """A per-user data directory (XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows)."""
    if os.name == "nt":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return root / "paymo-mcp"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class Settings(BaseModel):
    """Everything the server needs to know, from env (PAYMO_*) and flags."""

    model_config = ConfigDict(frozen=True)

    api_key: SecretStr | None = None
    password: SecretStr = SecretStr("X")
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 30.0
    max_tries: int = Field(4, ge=1, le=10)
    retry_budget_s: float = Field(30.0, gt=0)
    read_only: bool = False
    toolsets: tuple[str, ...] = TOOLSETS
    confirm_deletes: bool = True
    state_dir: Path = Field(default_factory=default_state_dir)
    webhook_url: str | None = None  # public base URL Paymo calls; /webhooks/paymo/<resource> is appended
    webhook_port: int | None = Field(None, ge=0, le=65535)  # stdio: where the webhook listener listens
    webhook_host: str = "127.0.0.1"
    sandbox: bool = False

    @field_validator("toolsets")
    @classmethod
    def _known_toolsets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Settings built in code get the same check as --toolsets and PAYMO_TOOLSETS.
        return parse_toolsets(",".join(value)) if value else value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read PAYMO_* variables; explicit overrides (from flags) win when not None."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("PAYMO_API_KEY"):
            values["api_key"] = SecretStr(env["PAYMO_API_KEY"])
        if env.get("PAYMO_PASSWORD"):
            values["password"] = SecretStr(env["PAYMO_PASSWORD"])
        if env.get("PAYMO_BASE_URL"):
            values["base_url"] = env["PAYMO_BASE_URL"]
        if env.get("PAYMO_TIMEOUT"):
            values["timeout_s"] = float(env["PAYMO_TIMEOUT"])
        if env.get("PAYMO_MAX_TRIES"):
            values["max_tries"] = int(env["PAYMO_MAX_TRIES"])
        if env.get("PAYMO_READ_ONLY"):
            values["read_only"] = _flag(env["PAYMO_READ_ONLY"])
        if env.get("PAYMO_TOOLSETS"):
            values["toolsets"] = parse_toolsets(env["PAYMO_TOOLSETS"])
        if env.get("PAYMO_STATE_DIR"):
            values["state_dir"] = Path(env["PAYMO_STATE_DIR"])
        if env.get("PAYMO_WEBHOOK_URL"):
            values["webhook_url"] = env["PAYMO_WEBHOOK_URL"]
        if env.get("PAYMO_WEBHOOK_PORT"):
            values["webhook_port"] = int(env["PAYMO_WEBHOOK_PORT"])
        if env.get("PAYMO_WEBHOOK_HOST"):
            values["webhook_host"] = env["PAYMO_WEBHOOK_HOST"]
        if env.get("PAYMO_NO_CONFIRM"):
            values["confirm_deletes"] = not _flag(env["PAYMO_NO_CONFIRM"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)


def parse_toolsets(raw: str) -> tuple[str, ...]:
    """`tasks,invoices` -> ("tasks", "invoices"); `all` -> every toolset; unknown names are an error."""
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or names == ["all"]:
        return TOOLSETS
    unknown = [n for n in names if n not in TOOLSETS]
    if unknown:
        raise ValueError(f"unknown toolset(s) {', '.join(unknown)}; choose from {', '.join(TOOLSETS)}")
    return tuple(names)
