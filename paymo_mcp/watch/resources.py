"""The watchable resources, derived from the catalog: our name -> Paymo's model name (in hook events),
endpoint and envelope key."""

from __future__ import annotations

from dataclasses import dataclass

from paymo_mcp.catalog.resources import RESOURCES


@dataclass(frozen=True)
class WatchResource:
    """One watchable Paymo resource."""

    name: str  # as in tool names and webhook paths: "time_entries"
    model: str  # as in hook events: "Entry"
    path: str  # endpoint relative to the API base: "entries"
    key: str  # envelope key of list responses

    @property
    def insert_event(self) -> str:
        """The hook event for a new record of this resource."""
        return f"model.insert.{self.model}"


# Every spec that offers `watch`, in catalog order.
WATCH_RESOURCES: dict[str, WatchResource] = {
    spec.name: WatchResource(spec.name, spec.webhook_model, spec.path, spec.key)
    for spec in RESOURCES
    if spec.watchable
}


def watch_resource(name: str) -> WatchResource:
    """The resource called `name`; a KeyError names the ones that exist."""
    try:
        return WATCH_RESOURCES[name]
    except KeyError:
        raise KeyError(f"unknown watch resource {name!r}; one of {', '.join(WATCH_RESOURCES)}") from None
