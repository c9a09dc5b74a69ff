"""Cold start: spawn the server on stdio, `initialize`, get `tools/list` answered; median of N runs.

Ours is `python -m paymo_mcp` (PAYMO_BASE_URL points at a closed port: listing tools calls no Paymo).
The floor is `minimal_server.py`, a two-tool MCPServer on the same SDK and interpreter. Runs are
interleaved (floor, ours, floor, ours, ...) after one unmeasured warm-up each, so machine noise and
bytecode caching hit both alike. Target: ratio <= 1.25.

`python bench/cold_start.py --profile` also shows where our start-up time goes: the phases of a
start (imports, building the tools, the lifespan, answering tools/list) in a fresh interpreter, and
the slowest imports only our server makes (`-X importtime`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

import anyio
from mcp import Client, StdioServerParameters

from _common import HERE, PYTHON, SERVER_CMD, Row, median, ms, server_env, table

TARGET = 1.25
CLOSED_PORT_URL = "http://127.0.0.1:9/api/"


async def _once(command: list[str], env: dict[str, str]) -> float:
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        tools = (await client.list_tools()).tools
        elapsed = time.perf_counter() - started
    if not tools:
        raise RuntimeError(f"{command} listed no tools")
    return elapsed


async def measure(runs: int = 10) -> tuple[list[float], list[float]]:
    """(ours, floor) start-to-tools/list times in seconds."""
    ours_env = server_env(CLOSED_PORT_URL)
    floor_env = {k: v for k, v in ours_env.items() if not k.startswith("PAYMO_")}
    floor_cmd = [PYTHON, str(HERE / "minimal_server.py")]
    await _once(floor_cmd, floor_env)  # warm-up: bytecode caches, page cache
    await _once(SERVER_CMD, ours_env)
    ours, floor = [], []
    for _ in range(runs):
        floor.append(await _once(floor_cmd, floor_env))
        ours.append(await _once(SERVER_CMD, ours_env))
    return ours, floor


async def run(runs: int = 10) -> list[Row]:
    ours, floor = await measure(runs)
    o, f = median(ours), median(floor)
    return [
        Row(
            "cold start",
            f"stdio spawn → initialize → tools/list, median of {runs}",
            ms(o),
            f"{ms(f)} (2-tool MCPServer)",
            o / f,
            f"≤ {TARGET}",
            o / f <= TARGET,
        )
    ]


# -- --profile ---------------------------------------------------------------------------------

PHASES = r"""
import json, time
t0 = time.perf_counter()
import mcp.server.mcpserver
t1 = time.perf_counter()
import paymo_mcp.cli, paymo_mcp.server.app
t2 = time.perf_counter()
from paymo_mcp.config import Settings
settings = Settings.from_env()
server = paymo_mcp.server.app.build_server(settings)
t3 = time.perf_counter()
import anyio
from mcp import Client
async def main():
    async with Client(server, mode="legacy") as client:
        t4 = time.perf_counter()
        tools = (await client.list_tools()).tools
        return t4, time.perf_counter(), len(tools)
t_enter = time.perf_counter()
t4, t5, n = anyio.run(main)
print(json.dumps({
    "import mcp.server.mcpserver": t1 - t0,
    "import paymo_mcp.cli + server.app": t2 - t1,
    "build_server (tools, schemas)": t3 - t2,
    "lifespan + session start": t4 - t_enter,
    "tools/list answered (in process)": t5 - t4,
    "tools": n,
}))
"""


def profile(runs: int = 3) -> str:
    env = server_env(CLOSED_PORT_URL)
    samples = []
    for _ in range(runs):
        out = subprocess.run([PYTHON, "-c", PHASES], env=env, capture_output=True, text=True, check=True)
        samples.append(json.loads(out.stdout))
    lines = [f"phases of a start, median of {runs} fresh interpreters:"]
    for key in samples[0]:
        if key != "tools":
            lines.append(f"  {key:36s} {ms(median([s[key] for s in samples]))}")
    lines.append(f"  ({samples[0]['tools']} tools)")

    def imports(cmd: list[str], env: dict[str, str]) -> dict[str, tuple[int, int]]:
        done = subprocess.run(
            [cmd[0], "-X", "importtime", *cmd[1:]], env=env, stdin=subprocess.DEVNULL, capture_output=True
        )
        found = {}
        for line in done.stderr.decode(errors="replace").splitlines():
            if line.startswith("import time:") and "|" in line and "self [us]" not in line:
                self_us, cum_us, name = line.removeprefix("import time:").split("|")
                found[name.strip()] = (int(self_us), int(cum_us))
        return found

    ours = imports(SERVER_CMD, env)
    floor = imports([PYTHON, str(HERE / "minimal_server.py")], env)
    extra = {name: t for name, t in ours.items() if name not in floor}
    roots: dict[str, int] = {}
    for name, (self_us, _) in extra.items():
        roots[name.split(".")[0]] = roots.get(name.split(".")[0], 0) + self_us
    lines.append(
        f"imports only our server makes (-X importtime, one run): {len(extra)} modules, "
        f"{sum(t[0] for t in extra.values()) / 1000:.0f} ms self time; by top-level package:"
    )
    for root, us in sorted(roots.items(), key=lambda kv: -kv[1])[:12]:
        lines.append(f"  {root:36s} {us / 1000:.1f} ms")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--profile", action="store_true", help="also show where the start-up time goes")
    args = p.parse_args()
    print(table(anyio.run(run, args.runs)))
    if args.profile:
        print(profile())


if __name__ == "__main__":
    main()
