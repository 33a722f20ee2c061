"""What the query workers cost in memory: a real `twingraph serve`, its processes' memory, by scale.

    python benchmarks/worker_memory.py [--scale kazan] [--scale 100k] [--scale 1m]

The server spawns one template process, which loads an N-Quads snapshot of the served
store and forks the workers (store/template.py), so the workers share the template's
pages copy-on-write. This measures that, once all are ready: the resident memory (VmRSS)
of the server, the template and each worker, and each one's proportional share (PSS:
a page shared by n processes counts 1/n in each), whose sum is what the processes hold
together; with the snapshot's size, at each scale asked for.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
from measure import free_port
from provenance import header, publish, run_info, say

from twingraph.config import DEFAULT_LIMITS
from twingraph.store.template import TEMPLATE_NAME, WORKER_NAME, Template

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "worker_memory"
RESULTS = HERE / "results" / "worker_memory.json"
START, END = "<!-- benchmarks:worker_memory.py:start -->", "<!-- benchmarks:worker_memory.py:end -->"
SCALES = {"kazan": 0, "100k": 150, "1m": 1570}  # synthetic partner cities (0: the bundled Kazan records)


def proc_mib(pid: int, file: str, field: str) -> float:
    """A memory field (in kB) of /proc/PID/<file>, in MiB; 0 if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0.0
    kib = next((int(line.split()[1]) for line in text.splitlines() if line.startswith(f"{field}:")), 0)
    return kib / 1024


def rss_mib(pid: int) -> float:
    """A process's resident memory in MiB (VmRSS), 0 if it is gone."""
    return proc_mib(pid, "status", "VmRSS")


def pss_mib(pid: int) -> float:
    """A process's proportional set size in MiB (Pss of smaps_rollup: a page shared by n counts 1/n), 0 if gone."""
    return proc_mib(pid, "smaps_rollup", "Pss")


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux: /proc/PID/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def named(pids: list[int], name: str) -> list[int]:
    """Those of the processes whose name (/proc/PID/comm) is name."""
    found = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                found.append(pid)
        except OSError:
            continue
    return found


def processes_of(server: int) -> tuple[list[int], list[int]]:
    """The server's templates (its children) and their workers (their children), by name."""
    templates = named(children(server), TEMPLATE_NAME)
    return templates, [w for t in templates for w in named(children(t), WORKER_NAME)]


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


def settled(process: subprocess.Popen[bytes], url: str, workers: int, patience: float = 900.0) -> tuple[int, list[int]]:
    """Wait until the server answers and all its workers run with steady memory; the template's and their pids."""
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
        templates, pids = processes_of(process.pid)
        sizes = [rss_mib(p) for p in pids]
        if len(templates) == 1 and len(pids) == workers and previous \
                and all(abs(a - b) < 1 for a, b in zip(sizes, previous, strict=False)):  # fmt: skip
            return templates[0], pids
        previous = sizes
        time.sleep(2)
    raise SystemExit("the workers did not settle")


def start_times(nt: Path, forks: int = 5) -> dict[str, float]:
    """A template of its own over the N-Triples: seconds from its start to loaded, and ms from fork to ready."""
    started = time.perf_counter()
    template = Template(nt, 0, DEFAULT_LIMITS.query_memory)
    try:
        template.wait_ready(900)
        loaded = time.perf_counter() - started
        times = []
        for _ in range(forks):
            started = time.perf_counter()
            worker = template.fork()
            worker.wait_ready(60)
            times.append((time.perf_counter() - started) * 1000)
            worker.kill()
        return {"template_load_s": loaded, "fork_ready_ms": statistics.median(times)}
    finally:
        template.close()


def measure(scale: str) -> dict[str, Any]:
    dist = prepare(scale)
    triples = sum(1 for _ in (dist / "twingraph.nt").open("rb"))
    port = free_port()
    argv = [sys.executable, "-m", "twingraph", "--dist", str(dist), "serve", "--port", str(port), "--no-watch"]
    say(f"[{scale}] serving {triples} triples with {DEFAULT_LIMITS.workers} workers")
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        template, pids = settled(process, f"http://127.0.0.1:{port}", DEFAULT_LIMITS.workers)
        snapshots = sorted(Path("/tmp").glob("twingraph-snapshot-*/generation-*.nq"), key=lambda p: p.stat().st_mtime)
        pss = {"server": pss_mib(process.pid), "template": pss_mib(template), "workers": [pss_mib(p) for p in pids]}
        return {
            "triples": triples,
            "server_mib": rss_mib(process.pid),
            "template_mib": rss_mib(template),
            "worker_mib": [rss_mib(p) for p in pids],
            "pss_mib": pss,
            "snapshot_mib": snapshots[-1].stat().st_size / 2**20 if snapshots else 0.0,
            **start_times(dist / "twingraph.nt"),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def render(result: dict[str, Any]) -> str:
    """The marked section of the README for one run."""
    rows = []
    for scale, r in result["scales"].items():
        workers, pss = r["worker_mib"], r["pss_mib"]
        together = pss["server"] + pss["template"] + sum(pss["workers"])
        rows.append(f"| {scale} | {r['triples']:,} | {r['server_mib']:.0f} | {r['template_mib']:.0f} | "
                    f"{len(workers)} × {min(workers):.0f}–{max(workers):.0f} | "
                    f"{len(workers)} × {min(pss['workers']):.0f}–{max(pss['workers']):.0f} | {together:.0f} | "
                    f"{r['snapshot_mib']:.1f} | {r['template_load_s']:.1f} | {r['fork_ready_ms']:.0f} |")  # fmt: skip
    lines = [
        START, "## Memory of the query workers (benchmarks/worker_memory.py)", "",
        "`python benchmarks/worker_memory.py --scale ...`: a real `twingraph serve` (default limits) once its "
        "workers are ready. The workers are forked after loading: the server, which has threads and so never "
        "forks, spawns one template process that locks itself out of the network, loads an N-Quads snapshot of "
        "the store once, and forks each worker (store/template.py). The workers share the template's pages "
        "copy-on-write, and a new one starts in milliseconds at any size, so a worker is replaced freely (after "
        "a deadline, a crash or a long query). RSS counts every page a process maps, shared ones included; PSS "
        "counts a page shared by n processes as 1/n in each, so the sum of PSS is what the processes hold "
        "together. The last two columns come from a template of the benchmark's own over the same N-Triples.", "",
        *header(result["run"], "results/worker_memory.json"), "",
        "| scale | triples | server RSS (MiB) | template RSS (MiB) | workers RSS (MiB each) | workers PSS (MiB each) "
        "| all PSS, together (MiB) | snapshot on disk (MiB) | template: start to loaded (s) | worker: fork to ready "
        "(ms, median of 5) |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---:|", *rows,
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
