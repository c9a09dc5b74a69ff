"""Image uploads (client logos, user photos, the company logo): a multipart/form-data file field `image`,
JPEG, PNG or GIF, sent with POST (clients.md:161-178, users.md, company.md); kept and served at /assets/."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymo_mcp.sandbox.errors import bad_request

if TYPE_CHECKING:
    from paymo_mcp.sandbox.engine import Ctx
    from paymo_mcp.sandbox.storage import Storage

IMAGE_FIELDS = ("image", "image_thumb_large", "image_thumb_medium", "image_thumb_small")
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # Paymo's limit is [SILENT]; the sandbox's choice
_FORMATS = (  # magic bytes -> (content type, extension)
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"GIF87a", ("image/gif", "gif")),
    (b"GIF89a", ("image/gif", "gif")),
)
NOT_A_FILE = (
    "Invalid image: upload the image as a file, in a multipart/form-data POST with the file field "
    "`image` (JPEG, PNG or GIF); a URL or text is not accepted"
)


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart/form-data body."""

    filename: str
    content_type: str
    data: bytes


def _format(data: bytes) -> tuple[str, str] | None:
    for magic, kind in _FORMATS:
        if data.startswith(magic):
            return kind
    return None


def image_changes(ctx: Ctx, body: dict[str, Any], folder: str, method: str) -> dict[str, Any]:
    """The image fields a write stores: an uploaded file's URLs; null or "" removes the image; {} if absent.

    Text in `image` (a URL in JSON, say) is refused, as is a file sent with PUT (the docs upload with POST).
    """
    if "image" not in body:
        return {}
    value = body["image"]
    if value is None or value == "":
        return dict.fromkeys(IMAGE_FIELDS)
    if not isinstance(value, Upload):
        raise bad_request(NOT_A_FILE)
    if method != "POST":
        raise bad_request(f"Invalid image: send the file with POST, not {method} (multipart/form-data)")
    kind = _format(value.data)
    if kind is None:
        raise bad_request(f"Invalid image: {value.filename or 'the file'} is not a JPEG, PNG or GIF image")
    if len(value.data) > MAX_IMAGE_BYTES:
        raise bad_request(f"Invalid image: {len(value.data)} bytes is over the {MAX_IMAGE_BYTES} byte limit")
    digest = hashlib.md5(value.data).hexdigest()  # a file name, not a secret
    ctx.storage.kv_set(f"asset:{digest}", {"type": kind[0], "data": base64.b64encode(value.data).decode()})
    base = f"{ctx.base_url}assets/1/{folder}"
    urls = {"image": f"{base}/{digest}.{kind[1]}"}
    for size in ("large", "medium", "small"):
        urls[f"image_thumb_{size}"] = f"{base}/thumbs/{size}/{digest}.{kind[1]}"
    return urls


def asset_route(storage: Storage) -> Any:
    """GET /assets/...: the stored bytes of an uploaded image (thumbnails are the image itself)."""

    async def serve(request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[-1].split(".", 1)[0]
        stored = storage.kv_get(f"asset:{name}")
        if not stored:
            return JSONResponse({"message": f"Not found: {request.url.path}"}, 404)
        return Response(base64.b64decode(stored["data"]), media_type=stored["type"])

    return serve
