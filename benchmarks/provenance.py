"""Where a benchmark figure comes from: the commit, the date, the machine and the versions of one run.

Every script that writes a table into benchmarks/README.md records this with its results and
prints it above the table, so a table can always be traced to one run of one script
(tests/test_benchmarks_readme.py holds the README to it).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("twingraph", "rdflib", "pyoxigraph", "pyshacl", "rdflib-endpoint", "uvicorn", "starlette")
OUTPUTS = ("benchmarks/results/", "benchmarks/README.md", "RELIABILITY.md")
NOISE = (
    "**These figures are noisy**: the machine was shared with other work during the run (see the load "
    "average); a quiet machine gives lower times."
)


def tool_version(args: list[str]) -> str:
    """The first line a command prints, or "not found"."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not found"


def commit(root: Path = ROOT) -> tuple[str, list[str]]:
    """The short hash of HEAD and the files that differ from it (tracked or not; ignored files and outputs aside)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True)
    changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    # what the benchmarks write is their output, not a change to what they measure
    return head.stdout.strip() or "unknown", [p for p in changed if not p.startswith(OUTPUTS)]


def versions(tools: tuple[str, ...] = ()) -> str:
    """Python, the installed packages of PACKAGES and the first line of each tool's ``--version``."""
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join([f"Python {platform.python_version()}", *found, *(tool_version([t, "--version"]) for t in tools)])


def machine() -> str:
    """Host name, cores, CPU model, memory and kernel."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor() or "unknown CPU")  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.node() or 'a machine'}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, "
            f"{platform.system()} {platform.release()}")  # fmt: skip


def run_info(script: str, argv: list[str], tools: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything the header of a table needs, taken once at the start of a run."""
    head, changed = commit()
    return {
        "commit": head,
        "dirty": changed,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["python", f"benchmarks/{script}", *argv]),
        "machine": machine(),
        "load_average": round(os.getloadavg()[0], 2),
        "versions": versions(tools),
    }


def header(info: dict[str, Any], results: str) -> list[str]:
    """The lines above a table: the run, the machine, the versions (a Markdown list).

    >>> info = {"commit": "abc1234", "dirty": ["benchmarks/run.py"], "date": "2026-12-04 15:50 UTC",
    ...         "command": "python x.py", "machine": "vm, 2 cores", "load_average": 1.5, "versions": "Python 3.11"}
    >>> print("\\n".join(header(info, "results/x.json")))
    - Run: commit `abc1234` + uncommitted changes to benchmarks/run.py, 2026-12-04 15:50 UTC, `python x.py` -> \
`results/x.json`
    - Machine: vm, 2 cores; load average 1.5 at the start
    - Versions: Python 3.11
    """
    tree = f" + uncommitted changes to {changed_files(info['dirty'])}" if info["dirty"] else ""
    return [
        f"- Run: commit `{info['commit']}`{tree}, {info['date']}, `{info['command']}` -> `{results}`",
        f"- Machine: {info['machine']}; load average {info['load_average']} at the start",
        f"- Versions: {info['versions']}",
    ]


def changed_files(paths: list[str]) -> str:
    """The files a run's tree had changed, named when there are few.

    >>> changed_files(["a.py"]), changed_files([f"f{i}" for i in range(9)])
    ('a.py', '9 files')
    """
    return ", ".join(paths) if len(paths) <= 6 else f"{len(paths)} files"


def replace_section(readme: Path, start: str, end: str, section: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the marked part."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section.rstrip("\n") + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


def not_run(scales: list[str], rows: list[dict[str, Any]], script: str, targets: str = "target is") -> list[str]:
    """The closing lines of a section whose run left scales out: which, and how to run them all.

    >>> not_run(["10k", "1m"], [{"scale": "10k"}], "x.py")
    ['', 'Not run: 1m, so the 1M target is neither met nor missed here. To run every scale into one table: \
`python benchmarks/x.py`.']
    """
    missing = [s for s in scales if s not in {r["scale"] for r in rows}]
    if not missing:
        return []
    return ["", f"Not run: {', '.join(missing)}, so the 1M {targets} neither met nor missed here. "
            f"To run every scale into one table: `python benchmarks/{script}`."]  # fmt: skip


def say(message: str) -> None:
    """Progress on standard error."""
    print(f"… {message}", file=sys.stderr, flush=True)


def publish(result: dict[str, Any], results: Path, start: str, end: str, section: str,
            document: Path | None = None) -> None:  # fmt: skip
    """Keep a run's figures in its results file and put its rendered section in ``document``.

    The document is benchmarks/README.md unless another is named (RELIABILITY.md, say).
    """
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    replace_section(document or results.parent.parent / "README.md", start, end, section)
    print(section)
