"""Paymo's `include` parameter: related records (parents as objects, children as arrays), field selection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from paymo_mcp.sandbox.errors import unknown_reference
from paymo_mcp.sandbox.schema import Relation, Resource
from paymo_mcp.sandbox.where import Condition


@dataclass
class Node:
    """What to return at one level: own fields (None = all), `*`, and related records by include key."""

    fields: list[str] = field(default_factory=list)
    star: bool = False
    children: dict[str, Node] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)  # dotted `where` terms for this level

    @property
    def selects(self) -> bool:
        return bool(self.fields) and not self.star

    def wants(self, name: str) -> bool:
        return not self.selects or name in self.fields


def parse_include(res: Resource, text: str | None, registry: Mapping[str, Resource]) -> Node:
    """A tree of include keys, dotted paths, bare field names and `*`; 400 on anything unknown."""
    root = Node()
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        node, current = root, res
        segments = item.split(".")
        for position, segment in enumerate(segments):
            last = position == len(segments) - 1
            relation = current.relation_by_key.get(segment)
            if segment == "*" and last:
                node.star = True
            elif relation is not None and relation.target in registry:
                node = node.children.setdefault(segment, Node())
                current = registry[relation.target]
            elif last and (current.visible(segment) or segment in current.behaviour.extra_fields):
                if segment not in node.fields:
                    node.fields.append(segment)
            else:
                raise unknown_reference(segment if segment != "*" else item)
    return root


def attach_conditions(
    res: Resource, root: Node, dotted: list[Condition], registry: Mapping[str, Resource]
) -> None:
    """Give `projects.active=true`-style terms to the included child collection they filter.

    Only included child arrays can be filtered this way; a parent's field (`project.active`) is refused,
    as in Paymo (paymo-api.md §8).
    """
    for condition in dotted:
        *path, name = condition.field.split(".")
        node, current = root, res
        relation: Relation | None = None
        for key in path:
            relation = current.relation_by_key.get(key)
            if relation is None or key not in node.children:
                raise unknown_reference(condition.field)
            node = node.children[key]
            current = registry[relation.target]
        if relation is None or not relation.many:
            raise unknown_reference(condition.field)
        if not current.visible(name):
            raise unknown_reference(condition.field)
        node.conditions.append(Condition(name, condition.op, condition.value))
