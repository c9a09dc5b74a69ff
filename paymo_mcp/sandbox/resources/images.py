"""The behaviour shared by records with an uploaded image (client logos, user photos)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.schema import Behaviour, Record
from paymo_mcp.sandbox.uploads import image_changes


class ImageBehaviour(Behaviour):
    """`image` is a multipart file sent with POST (see uploads.py); the URLs are stored, text refused."""

    folder = ""

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        values.update(image_changes(ctx, body, self.folder, ctx.method))

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        changes.update(image_changes(ctx, body, self.folder, ctx.method))
