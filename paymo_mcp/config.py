"""Settings from the environment and command-line flags; secrets are SecretStr and never printed."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS, PRESETS, TOOLSETS
from paymo_mcp.client.paymo import DEFAULT_BASE_URL, PaymoClient
from paymo_mcp.client.retry import RetryPolicy


def default_state_dir() -> Path:
    """A per-user data directory (XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows)."""
    if os.name == "nt":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return root / "paymo-mcp"


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def parse_flag(variable: str, value: str) -> bool:
    """A boolean setting: exactly one of TRUE_WORDS or FALSE_WORDS (any case, spaces around ignored).

    Anything else (`y`, `enabled`, `2`, `1;`) is refused: a typo in PAYMO_READ_ONLY must not give a
    server that writes.
    """
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        f"{variable}={value!r} is not a yes/no value; use {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}"
    )


def _number(variable: str, value: str, kind: type[int] | type[float]) -> int | float:
    try:
        number: int | float = kind(value.strip())
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{variable}={value!r} is not {what}") from None
    if not math.isfinite(number):
        raise ValueError(f"{variable}={value!r} is not a finite number")
    return number


# Settings field -> the variable that sets it, for naming the variable when its value is refused.
ENV_NAMES = {
    "api_key": "PAYMO_API_KEY",
    "password": "PAYMO_PASSWORD",
    "base_url": "PAYMO_BASE_URL",
    "timeout_s": "PAYMO_TIMEOUT",
    "max_tries": "PAYMO_MAX_TRIES",
    "read_only": "PAYMO_READ_ONLY",
    "toolsets": "PAYMO_TOOLSETS",
    "confirm_deletes": "PAYMO_NO_CONFIRM",
    "state_dir": "PAYMO_STATE_DIR",
    "webhook_url": "PAYMO_WEBHOOK_URL",
    "webhook_port": "PAYMO_WEBHOOK_PORT",
    "webhook_host": "PAYMO_WEBHOOK_HOST",
}


class Settings(BaseModel):
    """Everything the server needs to know, from env (PAYMO_*) and flags."""

    model_config = ConfigDict(frozen=True)

    api_key: SecretStr | None = None
    password: SecretStr = SecretStr("X")
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = Field(30.0, gt=0)
    max_tries: int = Field(4, ge=1, le=10)
    retry_budget_s: float = Field(30.0, gt=0)
    read_only: bool = False
    toolsets: tuple[str, ...] = DEFAULT_TOOLSETS
    confirm_deletes: bool = True
    state_dir: Path = Field(default_factory=default_state_dir)
    webhook_url: str | None = None  # public base URL Paymo calls; /webhooks/paymo/<resource> is appended
    webhook_port: int | None = Field(None, ge=0, le=65535)  # stdio: where the webhook listener listens
    webhook_host: str = "127.0.0.1"
    sandbox: bool = False

    def paymo_client(self, transport: httpx.AsyncBaseTransport | None = None) -> PaymoClient:
        """The client these settings describe (key, password, base URL, timeout, retries)."""
        if self.api_key is None:
            raise ValueError("PAYMO_API_KEY is not set")
        return PaymoClient(
            self.api_key.get_secret_value(),
            self.base_url,
            password=self.password.get_secret_value(),
            timeout=self.timeout_s,
            retry=RetryPolicy(max_tries=self.max_tries, budget_s=self.retry_budget_s),
            transport=transport,
        )

    @field_validator("toolsets")
    @classmethod
    def _known_toolsets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Settings built in code get the same check as --toolsets and PAYMO_TOOLSETS.
        return parse_toolsets(",".join(value)) if value else value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read PAYMO_* variables; explicit overrides (from flags) win when not None.

        A variable set to the empty string counts as unset. A value that cannot be used raises
        ValueError naming the variable, in one line.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for field, variable in ENV_NAMES.items():
            raw = env.get(variable)
            if raw:
                values[field] = _from_text(field, variable, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ValueError(_one_line(exc, values, overrides)) from None


def _from_text(field: str, variable: str, raw: str) -> object:
    """The Settings value of one variable's text."""
    if field in ("api_key", "password"):
        return SecretStr(raw)
    if field == "read_only":
        return parse_flag(variable, raw)
    if field == "confirm_deletes":
        return not parse_flag(variable, raw)
    if field == "timeout_s":
        return _number(variable, raw, float)
    if field in ("max_tries", "webhook_port"):
        return _number(variable, raw, int)
    if field == "toolsets":
        try:
            return parse_toolsets(raw)
        except ValueError as exc:
            raise ValueError(f"{variable}: {exc}") from None
    if field == "state_dir":
        return Path(raw)
    return raw


def _one_line(exc: ValidationError, values: Mapping[str, object], overrides: Mapping[str, object]) -> str:
    """The first refused setting, named as the user set it: the variable, or the field for a flag."""
    error = exc.errors(include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else "settings"
    from_env = field in ENV_NAMES and overrides.get(field) is None
    name = ENV_NAMES[field] if from_env else field
    shown = "" if field in ("api_key", "password") else f"={values.get(field)!r}"
    return f"{name}{shown}: {error['msg']}"


def parse_toolsets(raw: str) -> tuple[str, ...]:
    """`tasks,invoices` -> ("tasks", "invoices"); `all` -> every toolset (the opt-in ones too); a
    preset (`timesheet`, `pm`, `billing`) stands for its toolsets and mixes with others (`pm,invoices`);
    unknown names are an error.
    The result keeps TOOLSETS' order, each once."""
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or names == ["all"]:
        return TOOLSETS
    unknown = [n for n in names if n not in TOOLSETS and n not in PRESETS]
    if unknown:
        raise ValueError(
            f"unknown toolset(s) {', '.join(unknown)}; choose from {', '.join(TOOLSETS)}, "
            f"or a preset: {', '.join(PRESETS)}"
        )
    wanted = {t for n in names for t in PRESETS.get(n, (n,))}
    return tuple(t for t in TOOLSETS if t in wanted)
