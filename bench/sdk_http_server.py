"""The SDK's own share over streamable HTTP: a one-tool MCPServer whose tool is the bare GET.

`python bench/sdk_http_server.py PORT` with PAYMO_BASE_URL and PAYMO_API_KEY set; used by
concurrency.py to show what the SDK alone costs against bare httpx on the same machine.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import httpx
import uvicorn
from mcp.server.mcpserver import MCPServer

server = MCPServer("sdk-floor")
_http: dict[str, httpx.AsyncClient] = {}


@server.tool()
async def get_task(id: int) -> dict[str, Any]:
    """Get one task by id (the bare GET)."""
    if "c" not in _http:
        auth = (os.environ["PAYMO_API_KEY"], "X")
        headers = {"User-Agent": "sdk-floor"}
        _http["c"] = httpx.AsyncClient(base_url=os.environ["PAYMO_BASE_URL"], auth=auth, headers=headers)
    response = await _http["c"].get(f"tasks/{id}")
    response.raise_for_status()
    task: dict[str, Any] = response.json()["tasks"][0]
    return task


if __name__ == "__main__":
    port = int(sys.argv[1])
    uvicorn.run(server.streamable_http_app(), host="127.0.0.1", port=port, log_level="warning")
