"""Settings from the environment and command-line flags; secrets are SecretStr and never printed.

Each setting is a field of `Settings` (pydantic-settings), which names its variable (validation_alias)
and says what it means (description): the one place a PAYMO_* variable is declared and documented,
and the README's table of variables is checked against it. A variable's text is read by the field's
own validator, and a refused value is reported by pydantic under that variable's name.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, get_args

import httpx
from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

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


def parse_yes_no(text: str) -> bool:
    """A yes/no variable: exactly one of TRUE_WORDS or FALSE_WORDS (any case, spaces around ignored).

    Anything else (`y`, `enabled`, `2`, `1;`) is refused: a typo in PAYMO_READ_ONLY must not give a
    server that writes.
    """
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{text!r} is not a yes/no value; use {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}")


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


def _from_text(read: Callable[[str], object]) -> BeforeValidator:
    """Reads a variable's text with `read`; a value given in code or by a flag is taken as it is."""
    return BeforeValidator(lambda value: read(value) if isinstance(value, str) else value)


def _number(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def read(text: str) -> int | float:
        try:
            number: int | float = kind(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}") from None
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        return number

    return read


YesNo = _from_text(parse_yes_no)
YesMeansNo = _from_text(lambda text: not parse_yes_no(text))  # PAYMO_NO_CONFIRM=1: confirm_deletes False
Number = _from_text(_number(float))
WholeNumber = _from_text(_number(int))
ToolsetList = _from_text(parse_toolsets)


class Settings(BaseSettings):
    """Everything the server needs to know: from PAYMO_* variables and flags (`from_env`), or in code.

    Built in code (`Settings(api_key=...)`) it is exactly what it is given: no variable, `.env` file
    or secrets directory is read behind the caller's back.
    """

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    api_key: SecretStr | None = Field(
        None,
        validation_alias="PAYMO_API_KEY",
        description="the API key (sent as the Basic-auth user name; never printed or logged)",
    )
    password: SecretStr = Field(
        SecretStr("X"),
        validation_alias="PAYMO_PASSWORD",
        description="Basic-auth password, default `X` (Paymo ignores it for API keys)",
    )
    base_url: str = Field(
        DEFAULT_BASE_URL, validation_alias="PAYMO_BASE_URL", description=f"default `{DEFAULT_BASE_URL}`"
    )
    timeout_s: Annotated[float, Number] = Field(
        30.0, gt=0, validation_alias="PAYMO_TIMEOUT", description="per-request timeout in seconds, default 30"
    )
    max_tries: Annotated[int, WholeNumber] = Field(
        4,
        ge=1,
        le=10,
        validation_alias="PAYMO_MAX_TRIES",
        description="tries per request (1 to 10, default 4) when Paymo throttles it or it fails on the way",
    )
    retry_budget_s: float = Field(
        30.0, gt=0, description="the most seconds a request's retries may take (no variable)"
    )
    read_only: Annotated[bool, YesNo] = Field(
        False,
        validation_alias="PAYMO_READ_ONLY",
        description="only list/get tools; `api_call` allows GET only",
    )
    toolsets: Annotated[tuple[str, ...], ToolsetList] = Field(
        DEFAULT_TOOLSETS,
        validation_alias="PAYMO_TOOLSETS",
        description="e.g. `tasks,time_entries,lookups`, or a role preset (below; default: all but opt-in)",
    )
    confirm_deletes: Annotated[bool, YesMeansNo] = Field(
        True,
        validation_alias="PAYMO_NO_CONFIRM",
        description="deletes do not ask the user to confirm (agents)",
    )
    state_dir: Path = Field(
        default_factory=default_state_dir,
        validation_alias="PAYMO_STATE_DIR",
        description="where watch cursors, events and hook records live (SQLite)",
    )
    database_url: SecretStr | None = Field(
        None,
        validation_alias="PAYMO_DATABASE_URL",
        description="`postgresql://user:password@host/db`: watch state in PostgreSQL, shared by replicas "
        "(default: SQLite in the state dir)",
    )
    webhook_url: str | None = Field(
        None,
        validation_alias="PAYMO_WEBHOOK_URL",
        description="public URL Paymo can call: turns watches instant",
    )
    webhook_port: Annotated[int | None, WholeNumber] = Field(
        None,
        ge=0,
        le=65535,
        validation_alias="PAYMO_WEBHOOK_PORT",
        description="on stdio: the port of the local webhook listener that `PAYMO_WEBHOOK_URL` reaches",
    )
    webhook_host: str = Field(
        "127.0.0.1",
        validation_alias="PAYMO_WEBHOOK_HOST",
        description="on stdio: the address the webhook listener binds, default `127.0.0.1`",
    )
    multi_user: Annotated[bool, YesNo] = Field(
        False,
        validation_alias="PAYMO_MULTI_USER",
        description="HTTP: many people, each signs in with OAuth and their own Paymo key (`--multi-user`)",
    )
    mcp_secret: SecretStr | None = Field(
        None,
        validation_alias="PAYMO_MCP_SECRET",
        description="multi-user: the secret that encrypts stored Paymo keys and tokens (keep it; same on "
        "every replica)",
    )
    key_header: Annotated[bool, YesNo] = Field(
        False,
        validation_alias="PAYMO_MCP_KEY_HEADER",
        description="multi-user: also take a Paymo API key in the `X-Paymo-Api-Key` header instead of an "
        "OAuth sign-in (agents, CI; off by default)",
    )
    public_url: str | None = Field(
        None,
        validation_alias="PAYMO_MCP_PUBLIC_URL",
        description="multi-user: the server's public base URL, e.g. `https://paymo-mcp.example.com` "
        "(default `http://HOST:PORT`)",
    )
    sandbox: bool = Field(False, description="served against the embedded sandbox (`--sandbox`; no variable)")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment is read by from_env, and only there

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
        ValueError naming the variable (or the field, for a flag), in one line; a refused variable
        is refused even when a flag overrides it. `model_fields_set` is what was set either way.
        """
        variables = Variables(cls, os.environ if env is None else env)()
        flags = {name: value for name, value in overrides.items() if value is not None}
        try:
            settings = cls.model_validate(variables)
            if not flags:
                return settings
            return cls.model_validate(settings.model_dump(include=settings.model_fields_set) | flags)
        except ValidationError as exc:
            raise ValueError(_one_line(exc)) from None


class Variables(PydanticBaseSettingsSource):
    """The settings an environment gives: each field's variable (its validation_alias) that is set
    and not empty, by the variable's name, as text. Fields without a variable are not read."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = field.validation_alias
        text = self.environ.get(variable) if isinstance(variable, str) else None
        return text or None, str(variable), False

    def __call__(self) -> dict[str, Any]:
        found = (self.get_field_value(field, name) for name, field in self.settings_cls.model_fields.items())
        return {variable: text for text, variable, _ in found if text is not None}


# Each PAYMO_* variable Settings reads -> its field, whose description documents it (derived, not declared
# a second time).
VARIABLES = {
    field.validation_alias: name
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, str)
}


def _one_line(exc: ValidationError) -> str:
    """The first refused setting, named as it was given: the variable, or the field for a flag; the
    value is shown unless it is a secret."""
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else "settings"
    if error["type"] == "value_error":  # a reader above: its message shows the text it refused
        return f"{name}: {error['ctx']['error']}"
    field = Settings.model_fields.get(VARIABLES.get(name, name))
    secret = field is not None and SecretStr in (field.annotation, *get_args(field.annotation))
    shown = "" if secret else f"={error['input']!r}"
    return f"{name}{shown}: {error['msg']}"
