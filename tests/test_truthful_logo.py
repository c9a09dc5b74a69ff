"""The client logo as Paymo documents it (clients.md, "Adding a client logo"; audit D2): the `image`
argument is an http(s) URL that the server fetches and uploads as the multipart field `image`. A URL that
cannot give a JPEG, PNG or GIF is refused in one line before anything is written."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client

from paymo_mcp.client.uploads import MAX_IMAGE_BYTES
from paymo_mcp.sandbox import SandboxServer
from tests.helpers import CANARY_KEY, call, control, fails
from tests.servers import serving

pytestmark = pytest.mark.anyio


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = png_1x1()
# path -> (status, headers, body)
ROUTES: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {
    "/logo.png": (200, [(b"content-type", b"image/png")], PNG),
    "/huge.png": (200, [(b"content-type", b"image/png")], PNG + b"\0" * MAX_IMAGE_BYTES),
    "/page.html": (200, [(b"content-type", b"text/html")], b"<html>not a logo</html>"),
    "/fake.png": (200, [(b"content-type", b"image/png")], b"GIF89a but says png"),
    "/to-ftp": (302, [(b"location", b"ftp://127.0.0.1/logo.png")], b""),
    "/to-logo": (302, [(b"location", b"/logo.png")], b""),
}


class ImageHost:
    """A loopback web server with a logo and its bad cousins; it remembers the headers it was sent."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        self.seen.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
        status, headers, body = ROUTES.get(scope["path"], (404, [], b"not found"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[str, ImageHost]]:
    app = ImageHost()
    with serving(app) as url:
        yield url, app


def api_requests(sandbox: SandboxServer) -> list[tuple[str, str]]:
    log: list[dict[str, Any]] = control(sandbox, "requests")
    return [(r["method"], r["path"]) for r in log if r["path"].startswith("/api/")]


async def test_a_logo_url_is_fetched_and_uploaded_to_the_new_client(
    mcp: Client, fresh: SandboxServer, host: tuple[str, ImageHost]
) -> None:
    url, images = host
    images.seen.clear()
    made = await call(mcp, "create_client", {"name": "Logo & Co", "image": f"{url}/logo.png"})
    # Created as JSON first, then the logo as a multipart POST to the client, as clients.md documents.
    assert api_requests(fresh)[-2:] == [("POST", "/api/clients"), ("POST", f"/api/clients/{made['id']}")]
    assert made["name"] == "Logo & Co"
    # The sandbox stores the upload as Paymo does and serves the bytes back at the logo's URL.
    assert made["image"].startswith("http") and "warning" not in made
    stored = await call(mcp, "get_client", {"id": made["id"]})
    assert stored["image"] == made["image"]
    assert httpx.get(made["image"]).content == PNG
    # The image host was asked once, and never saw Paymo's credentials.
    assert len(images.seen) == 1
    assert "authorization" not in images.seen[0] and CANARY_KEY not in str(images.seen[0])


async def test_a_redirect_to_another_http_url_is_followed(
    mcp: Client, fresh: SandboxServer, host: tuple[str, ImageHost]
) -> None:
    url, _ = host
    await call(mcp, "update_client", {"id": 2, "image": f"{url}/to-logo"})
    # Only the logo changes: no JSON update, one multipart POST.
    assert api_requests(fresh) == [("POST", "/api/clients/2")]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("ftp", "only http(s) image URLs can be fetched, not ftp:"),
        ("/huge.png", "the image is larger than 2048 KB"),
        ("/page.html", "did not give a JPEG, PNG or GIF image (text/html)"),
        ("/fake.png", "content is not a valid PNG image"),
        ("/to-ftp", "only http(s) image URLs can be fetched, not ftp:"),
        ("/missing.png", "the image URL answered HTTP 404"),
    ],
)
async def test_a_url_that_gives_no_logo_is_refused_before_anything_is_written(
    mcp: Client, fresh: SandboxServer, host: tuple[str, ImageHost], path: str, why: str
) -> None:
    url, _ = host
    image = "ftp://127.0.0.1/logo.png" if path == "ftp" else f"{url}{path}"
    before = await call(mcp, "list_clients", {"limit": 100})
    httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()
    for tool, arguments in (
        ("create_client", {"name": "No logo"}),
        ("update_client", {"id": 1, "name": "X"}),
    ):
        text = await fails(mcp, tool, {**arguments, "image": image})
        assert "image" in text and why in text, text
    assert api_requests(fresh) == [], "nothing was written"
    assert (await call(mcp, "list_clients", {"limit": 100}))["count"] == before["count"]
    assert (await call(mcp, "get_client", {"id": 1}))["name"] == "Acme Corporation"
