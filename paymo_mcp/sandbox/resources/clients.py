"""Clients (`/api/clients`): who projects and invoices are for; deleting one deletes its projects (§10.4)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.resources.images import ImageBehaviour
from paymo_mcp.sandbox.schema import Bool, Record, Resource, Text, children
from paymo_mcp.sandbox.uploads import IMAGE_FIELDS


class ClientBehaviour(ImageBehaviour):
    folder = "clients"

    def present(self, ctx: Ctx, record: Record) -> None:
        # Paymo leaves the logo fields out altogether when no logo was uploaded [3P].
        if not record.get("image"):
            for name in IMAGE_FIELDS:
                record.pop(name, None)


CLIENTS = Resource(
    name="clients",
    model="Client",
    required=("name",),
    fields=(
        Text("name"),
        Text("address"),
        Text("city"),
        Text("state"),
        Text("postal_code"),
        Text("country"),
        Text("phone"),
        Text("fax"),
        Text("email"),
        Text("website"),
        Text("fiscal_information", ""),
        Bool("active", True),
        Text("image", writable=False),
        Text("image_thumb_large", writable=False),
        Text("image_thumb_medium", writable=False),
        Text("image_thumb_small", writable=False),
    ),
    relations=(
        children("projects", "projects", "client_id"),
        children("invoices", "invoices", "client_id"),
        children("clientcontacts", "clientcontacts", "client_id"),
        children("recurringprofiles", "recurringprofiles", "client_id"),
    ),
    cascade=("projects", "clientcontacts"),
    behaviour=ClientBehaviour(),
)
