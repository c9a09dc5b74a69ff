"""A Paymo-compatible local API: the zero-setup demo backend and the test double of every test.

`create_app()` gives the ASGI app; `SandboxServer` serves it on loopback from a thread; `run_sandbox()`
serves it in the foreground (`paymo-mcp sandbox`). Choices where Paymo's docs are silent: README.md here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paymo_mcp.sandbox.app import Sandbox
    from paymo_mcp.sandbox.server import SandboxServer, run_sandbox

__all__ = ["Sandbox", "SandboxServer", "create_app", "run_sandbox"]


def create_app(api_key: str = "sandbox-key", db_path: str | None = None, *, seed: bool = True) -> Sandbox:
    """A seeded sandbox account as an ASGI app (in memory unless `db_path` names a SQLite file)."""
    from paymo_mcp.sandbox.app import Sandbox

    return Sandbox(api_key, db_path, seed=seed)


def __getattr__(name: str) -> Any:
    # SandboxServer and run_sandbox pull in uvicorn: imported only when asked for.
    if name in ("SandboxServer", "run_sandbox"):
        from paymo_mcp.sandbox import server

        return getattr(server, name)
    if name == "Sandbox":
        from paymo_mcp.sandbox.app import Sandbox

        return Sandbox
    raise AttributeError(name)
