"""Logo uploads: fetch an image from an http(s) URL the caller gives, then send it to Paymo as the
multipart `image` field Paymo documents (clients.md, "Adding a client logo"): JPEG, PNG or GIF.

The fetch uses its own HTTP client, so Paymo's credentials never reach the image's host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from paymo_mcp.client.errors import PaymoResponseError, error_for_status
from paymo_mcp.client.paymo import PaymoClient

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
FETCH_TIMEOUT_S = 10.0
# Content type -> (file extension, the bytes every such file starts with).
IMAGE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "image/jpeg": ("jpg", (b"\xff\xd8\xff",)),
    "image/png": ("png", (b"\x89PNG\r\n\x1a\n",)),
    "image/gif": ("gif", (b"GIF87a", b"GIF89a")),
}


class ImageFetchError(ValueError):
    """The image URL cannot give a logo: the message is one line saying why."""


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str
    filename: str


def check_image_url(url: str) -> str:
    """`url` when it is an absolute http(s) URL with a host; ImageFetchError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise ImageFetchError(f"only http(s) image URLs can be fetched, not {parts.scheme or 'no scheme'}:")
    if not parts.hostname:
        raise ImageFetchError("the image URL has no host")
    return url.strip()


def _kind(response: httpx.Response, head: bytes) -> str:
    """The image type of an answer: its content type, confirmed by the file's first bytes."""
    declared = str(response.headers.get("content-type", "")).split(";")[0].strip().lower()
    if declared not in IMAGE_TYPES:
        raise ImageFetchError(f"the URL did not give a JPEG, PNG or GIF image ({declared or 'no type'})")
    if not head.startswith(IMAGE_TYPES[declared][1]):
        raise ImageFetchError(f"the URL's content is not a valid {declared.split('/')[1].upper()} image")
    return declared


async def fetch_image(
    url: str,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    timeout: float = FETCH_TIMEOUT_S,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Image:
    """Download one image: http(s) only (redirects too, at most 3), at most `max_bytes`, JPEG/PNG/GIF."""
    current = check_image_url(url)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), follow_redirects=False, transport=transport
    ) as http:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                async with http.stream("GET", current, headers={"Accept": "image/*"}) as response:
                    if response.is_redirect:
                        target = urljoin(current, response.headers.get("location", ""))
                        current = check_image_url(target)
                        continue
                    if response.status_code != 200:
                        raise ImageFetchError(f"the image URL answered HTTP {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise ImageFetchError(f"the image is larger than {max_bytes // 1024} KB")
                    data = bytearray()
                    async for chunk in response.aiter_bytes():
                        data += chunk
                        if len(data) > max_bytes:
                            raise ImageFetchError(f"the image is larger than {max_bytes // 1024} KB")
                    kind = _kind(response, bytes(data[:8]))
            except httpx.HTTPError as exc:
                raise ImageFetchError(f"could not fetch the image ({type(exc).__name__})") from None
            name = urlsplit(current).path.rsplit("/", 1)[-1] or "logo"
            extension = IMAGE_TYPES[kind][0]
            filename = name if name.lower().endswith(f".{extension}") else f"{name}.{extension}"
            return Image(bytes(data), kind, filename)
        raise ImageFetchError(f"the image URL redirects more than {MAX_REDIRECTS} times")


async def upload_image(
    client: PaymoClient, path: str, key: str, record_id: int, image: Image, *, field: str = "image"
) -> dict[str, Any]:
    """POST the image as multipart `field` to `path/record_id`; the record Paymo answers with."""
    form = httpx.Request(
        "POST", "http://form/", files={field: (image.filename, image.data, image.content_type)}
    )
    item_path = f"{path}/{record_id}"
    response = await client.send(
        "POST", item_path, content=form.read(), headers={"Content-Type": form.headers["Content-Type"]}
    )
    shown = "/" + item_path
    try:
        body = json.loads(response.content) if response.content.strip() else {}
    except ValueError:
        body = None
    if response.status_code >= 400:
        message = body.get("message") if isinstance(body, dict) else None
        raise error_for_status(
            response.status_code,
            str(message or f"HTTP {response.status_code} {response.reason_phrase}"),
            method="POST",
            path=shown,
        )
    if isinstance(body, dict) and isinstance(body.get(key), list) and body[key]:
        return client.unwrap_one(body, key, "POST", shown)
    if body is None:
        raise PaymoResponseError("the upload's answer is not JSON", method="POST", path=shown)
    return await client.get(path, key, record_id)
