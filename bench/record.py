"""Write a benchmark's figures into its own section of docs/benchmarks.md.

Each benchmark owns the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``;
running it again replaces that section and leaves the others alone.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine_line() -> str:
    """One line naming the machine, as every benchmark section must."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             check=False).stdout.strip()
    except OSError:
        rev = "?"
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB; Python {sys.version.split()[0]}; "
            f"commit {rev or '?'}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def record(name: str, body_markdown: str) -> None:
    """Replace (or append) the section ``name`` of docs/benchmarks.md with ``body_markdown``."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body_markdown.rstrip()}\n\n{machine_line()}\n{end}"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\nFigures written by the scripts in `bench/`.\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)
