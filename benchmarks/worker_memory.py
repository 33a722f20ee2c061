"""What the query workers cost in memory: a real `twingraph serve`, its processes' resident memory, by scale.

    python benchmarks/worker_memory.py [--scale kazan] [--scale 100k] [--scale 1m]

Each worker process is spawned (never forked: the server has threads) and loads an
N-Quads snapshot of the served store, so the data is held once by the server and once
by each worker. This measures that: the resident memory (VmRSS) of the server and of each
worker once all are ready, with the snapshot's size, at each scale asked for.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
from measure import free_port
from provenance import header, publish, run_info, say

from twingraph.config import DEFAULT_LIMITS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "worker_memory"
RESULTS = HERE / "results" / "worker_memory.json"
START, END = "<!-- benchmarks:worker_memory.py:start -->", "<!-- benchmarks:worker_memory.py:end -->"
SCALES = {"kazan": 0, "100k": 150, "1m": 1570}  # synthetic partner cities (0: the bundled Kazan records)


def rss_mib(pid: int) -> float:
    """A process's resident memory in MiB (VmRSS), 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return kib / 1024


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux: /proc/PID/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def workers_of(pid: int) -> list[int]:
    """The server's query workers: its children started by multiprocessing's spawn (not its resource tracker)."""
    return [c for c in children(pid) if "spawn_main" in command_line(c)]


def prepare(scale: str) -> Path:
    """A built dist/ for the scale; its path."""
    base = WORK / scale
    data, dist = base / "data", base / "dist"
    if SCALES[scale]:
        say(f"[{scale}] synthesising {SCALES[scale]} partner cities")
        subprocess.run([sys.executable, "-m", "twingraph", "synth", "--cities", str(SCALES[scale]), "-o", str(data)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    say(f"[{scale}] building")
    data_args = ["--data", str(data)] if SCALES[scale] else []
    subprocess.run([sys.executable, "-m", "twingraph", *data_args, "--dist", str(dist), "build"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return dist


def settled(process: subprocess.Popen[bytes], url: str, workers: int, patience: float = 900.0) -> list[int]:
    """Wait until the server answers and all its workers run with steady memory; their pids."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            httpx2.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5)
            break
        except httpx2.TransportError:
            if process.poll() is not None:
                raise SystemExit("the server stopped") from None
            time.sleep(0.2)
    previous: list[float] = []
    while time.monotonic() < deadline:
        pids = workers_of(process.pid)
        sizes = [rss_mib(p) for p in pids]
        if len(pids) == workers and previous and all(abs(a - b) < 1 for a, b in zip(sizes, previous, strict=False)):
            return pids
        previous = sizes
        time.sleep(2)
    raise SystemExit("the workers did not settle")


def measure(scale: str) -> dict[str, Any]:
    dist = prepare(scale)
    triples = sum(1 for _ in (dist / "twingraph.nt").open("rb"))
    port = free_port()
    argv = [sys.executable, "-m", "twingraph", "--dist", str(dist), "serve", "--port", str(port), "--no-watch"]
    say(f"[{scale}] serving {triples} triples with {DEFAULT_LIMITS.workers} workers")
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pids = settled(process, f"http://127.0.0.1:{port}", DEFAULT_LIMITS.workers)
        snapshots = sorted(Path("/tmp").glob("twingraph-snapshot-*/generation-*.nq"), key=lambda p: p.stat().st_mtime)
        return {
            "triples": triples,
            "server_mib": rss_mib(process.pid),
            "worker_mib": [rss_mib(p) for p in pids],
            "snapshot_mib": snapshots[-1].stat().st_size / 2**20 if snapshots else 0.0,
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def render(result: dict[str, Any]) -> str:
    """The marked section of the README for one run."""
    rows = []
    for scale, r in result["scales"].items():
        workers = r["worker_mib"]
        total = r["server_mib"] + sum(workers)
        rows.append(f"| {scale} | {r['triples']:,} | {r['server_mib']:.0f} | {len(workers)} × "
                    f"{min(workers):.0f}–{max(workers):.0f} | {total:.0f} | {r['snapshot_mib']:.1f} |")  # fmt: skip
    lines = [
        START, "## Memory of the query workers (benchmarks/worker_memory.py)", "",
        "`python benchmarks/worker_memory.py --scale ...`: a real `twingraph serve` (default limits) once its "
        "workers are ready; resident memory (VmRSS) of the server and of each worker. The workers are spawned, "
        "not forked after loading: forking would share the store's pages copy-on-write, but the server has "
        "threads (its event loop, the page thread pool, the watcher) and forking a threaded process is unsafe. "
        "So each worker loads an N-Quads snapshot of the store, and holds the data once more.", "",
        *header(result["run"], "results/worker_memory.json"), "",
        "| scale | triples | server (MiB) | workers (MiB each) | total (MiB) | snapshot on disk (MiB) |",
        "|---|---:|---:|---|---:|---:|", *rows,
    ]  # fmt: skip
    return "\n".join([*lines, END]) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="append", choices=list(SCALES), help="repeatable [default: kazan]")
    args = parser.parse_args(argv)
    info = run_info("worker_memory.py", argv)
    scales = {scale: measure(scale) for scale in args.scale or ["kazan"]}
    result = {"run": info, "scales": scales}
    publish(result, RESULTS, START, END, render(result))


if __name__ == "__main__":
    main(sys.argv[1:])
