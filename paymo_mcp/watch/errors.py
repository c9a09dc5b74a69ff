"""What the watch layer refuses: arguments it cannot honour, records it cannot serve back, a broken file."""

from __future__ import annotations

from pathlib import Path


class WatchInputError(ValueError):
    """A watch argument (cursor, filter) that cannot be honoured; the message names it, in one line."""


class UnstorableRecord(ValueError):
    """A record the store would not be able to hand back intact (huge id, NaN, nested too deeply)."""


class WatchStoreError(RuntimeError):
    """The watch database cannot be opened or read; watching stops, every other tool keeps working.

    `path` is the SQLite file, or for a database server the place it is named by (host:port/dbname,
    never a password); `fix` replaces the SQLite advice (move the file away) for other backends.
    """

    def __init__(self, path: Path | str, reason: str, fix: str | None = None) -> None:
        self.path = path
        self.reason = reason
        if fix is None:
            fix = (
                f"Fix: move it away (mv '{path}' '{path}.broken') or set PAYMO_STATE_DIR to a writable "
                "directory, then restart paymo-mcp; watching then starts afresh."
            )
        super().__init__(
            f"Watching is unavailable: the watch database {path} cannot be used ({reason}). {fix}"
        )
