"""Invoice templates (`/api/invoicetemplates`) and the read-only gallery (paymo-api.md §10.12)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import READ_ONLY, Behaviour, Bool, Record, Resource, Text, children


class InvoiceTemplateBehaviour(Behaviour):
    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        self._single_default(ctx, record)

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        self._single_default(ctx, new)

    def _single_default(self, ctx: Ctx, record: Record) -> None:
        if record["is_default"]:
            for other in ctx.find("invoicetemplates", "t.is_default = 1 AND t.id != ?", [record["id"]]):
                ctx.patch("invoicetemplates", other["id"], {"is_default": False}, emit=False)

    def before_delete(self, ctx: Ctx, record: Record) -> None:
        if record["is_default"]:
            raise bad_request(
                f"Invoice template {record['id']} is the default template and cannot be deleted"
            )
        used = len(ctx.find("invoices", "t.template_id = ?", [record["id"]]))
        if used:
            raise bad_request(f"Invoice template {record['id']} cannot be deleted: {used} invoice(s) use it")


def default_template(ctx: Ctx) -> Record | None:
    found = ctx.find("invoicetemplates", "", order="t.is_default DESC, t.id")
    return found[0] if found else None


INVOICE_TEMPLATES = Resource(
    name="invoicetemplates",
    required=("name",),
    fields=(
        Text("name"),
        Text("title", "INVOICE"),
        Text("html", ""),
        Text("css", ""),
        Bool("is_default", False),
    ),
    relations=(children("invoices", "invoices", "template_id"),),
    behaviour=InvoiceTemplateBehaviour(),
)

INVOICE_TEMPLATES_GALLERY = Resource(
    name="invoicetemplatesgallery",
    fields=(Text("name"), Text("title"), Text("html"), Text("css"), Text("image")),
    methods=READ_ONLY,
)
