"""The toolsets: one per resource (from the specs), then the hand-written ones; and the role presets."""

from __future__ import annotations

from paymo_mcp.catalog.resources import RESOURCES

# Toolsets of hand-written tools; a resource's toolset comes from its spec.
TOOL_TOOLSETS = ("timers", "payments", "lookups", "api")
TOOLSETS: tuple[str, ...] = (
    *dict.fromkeys(s.toolset for s in RESOURCES if s.ops and s.toolset not in TOOL_TOOLSETS),
    *TOOL_TOOLSETS,
)
OPT_IN = frozenset(spec.toolset for spec in RESOURCES if spec.opt_in)
# What the server serves when no toolset is named: everything but the opt-in resources.
DEFAULT_TOOLSETS: tuple[str, ...] = tuple(t for t in TOOLSETS if t not in OPT_IN)
# Role presets: a name that stands for the toolsets one kind of work needs (opt-in ones included:
# a preset is smaller than the default server however it is made up).
PRESETS: dict[str, tuple[str, ...]] = {
    "timesheet": ("time_entries", "timers", "tasks", "lookups"),
    "pm": ("tasks", "tasklists", "projects", "milestones", "comments", "lookups"),
    "billing": ("clients", "invoices", "payments", "time_entries", "expenses", "lookups"),
}
