"""The wheel holds what a user runs and nothing else: every module and data file of paymo_mcp (the
embedded sandbox included, with its README; the MCP Apps views' HTML, CSS and script), the license and
metadata; no tests, benchmarks or caches."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(wheel: str) -> int:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n for n in names if not n.startswith("paymo_mcp-")}
    wanted = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "paymo_mcp").rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".md", ".typed", ".html", ".css", ".js")
        and "__pycache__" not in p.parts
    }
    problems = [f"missing from the wheel: {n}" for n in sorted(wanted - shipped)]
    problems += [f"in the wheel but not meant for users: {n}" for n in sorted(shipped - wanted)]
    meta = {n.split("/", 1)[1] for n in names - shipped}
    for needed in ("METADATA", "licenses/LICENSE", "entry_points.txt"):
        if needed not in meta:
            problems.append(f"dist-info lacks {needed}")
    for line in problems:
        print(line, file=sys.stderr)
    print(f"wheel: {len(shipped)} files of paymo_mcp, {len(meta)} of metadata; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
