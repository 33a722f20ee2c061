"""How fast hostile input is refused, and whether pages stay fast meanwhile (issue 12's targets).

    python benchmarks/hostile.py [--repeat N]

Builds the Kazan data into benchmarks/.work/hostile/, starts `twingraph serve` on a free
loopback port, and times: a 64 KB body of digits POSTed to /sparql with a page requested
in parallel; 2,600 nested braces; a runaway query past a 2 s timeout; and, in process, a
YAML alias bomb read as a records file. The results go to benchmarks/results/hostile.json,
with the run that made them, and their table replaces the marked section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
from provenance import NOISE, header, publish, run_info, say

from twingraph.config import DEFAULT_LIMITS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "hostile"
RESULTS = HERE / "results" / "hostile.json"
START, END = "<!-- benchmarks:hostile.py:start -->", "<!-- benchmarks:hostile.py:end -->"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
TIMEOUT_S = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(dist: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`twingraph serve` over a built dist/, once it answers; its process and URL."""
    port = free_port()
    # every connection comes from 127.0.0.1: one address plays many clients, so it gets the whole pool
    argv = [sys.executable, "-m", "twingraph", "--dist", str(dist), "serve", "--port", str(port), "--no-watch",
            "--timeout", str(TIMEOUT_S), "--per-client", str(DEFAULT_LIMITS.workers)]  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx2.get(url + "/", timeout=1)
            return process, url
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def timed(call: Any) -> tuple[float, int]:
    """Seconds a request took, and its status."""
    start = time.perf_counter()
    response = call()
    return time.perf_counter() - start, response.status_code


def digits_with_a_page(url: str) -> dict[str, Any]:
    """A 64 KB body of digits and, sent while it is being refused, a page."""
    body = "query=" + "1" * (64 * 1024 - 6)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        hostile = pool.submit(timed, lambda: httpx2.post(url + "/sparql", content=body, headers=headers, timeout=60))
        page = pool.submit(timed, lambda: httpx2.get(url + "/city/tehran", headers={"Accept": "text/html"},
                                                     timeout=60))  # fmt: skip
        (hostile_s, hostile_status), (page_s, page_status) = hostile.result(), page.result()
    return {"hostile_s": hostile_s, "hostile_status": hostile_status, "page_s": page_s, "page_status": page_status}


def page_alone(url: str) -> float:
    return timed(lambda: httpx2.get(url + "/city/tehran", headers={"Accept": "text/html"}, timeout=60))[0]


def measure_server(url: str, repeat: int) -> dict[str, Any]:
    say("the page alone")
    alone = [page_alone(url) for _ in range(repeat)]
    say("64 KB of digits, with a page in parallel")
    runs = [digits_with_a_page(url) for _ in range(repeat)]
    say("2,600 nested braces")
    braces = "SELECT * WHERE " + "{" * 2600 + "}" * 2600
    nested = [timed(lambda: httpx2.get(url + "/sparql", params={"query": braces}, timeout=60)) for _ in range(repeat)]
    alive = httpx2.get(url + "/sparql", params={"query": "ASK {}"}, timeout=60).status_code
    say(f"a runaway query past its {TIMEOUT_S} s timeout")
    runaway = timed(lambda: httpx2.get(url + "/sparql", params={"query": RUNAWAY}, timeout=120))
    after = timed(lambda: httpx2.get(url + "/sparql", params={"query": "ASK {}"}, timeout=60))
    return {
        "digits_s": statistics.median(r["hostile_s"] for r in runs),
        "digits_statuses": sorted({r["hostile_status"] for r in runs}),
        "page_s": statistics.median(r["page_s"] for r in runs),
        "page_max_s": max(r["page_s"] for r in runs),
        "page_statuses": sorted({r["page_status"] for r in runs}),
        "page_alone_s": statistics.median(alone),
        "braces_s": statistics.median(s for s, _ in nested),
        "braces_statuses": sorted({status for _, status in nested}),
        "next_status": alive,
        "runaway_s": runaway[0], "runaway_status": runaway[1],
        "after_s": after[0], "after_status": after[1],
    }  # fmt: skip


def measure_bomb(repeat: int) -> dict[str, Any]:
    """The alias bomb read as a records file, in process: how long until it is refused."""
    from twingraph.records import RecordsError, parse_yaml

    times, rules = [], set()
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            parse_yaml(BOMB, "bomb.yaml")
        except RecordsError as exc:
            rules.update(p.rule for p in exc.problems)
        times.append(time.perf_counter() - start)
    return {"bomb_bytes": len(BOMB.encode()), "bomb_s": statistics.median(times), "bomb_rules": sorted(rules)}


def status(seconds: float, target: float) -> str:
    """Whether a time meets its target.

    >>> status(0.05, 0.1), status(0.2, 0.1)
    ('met', '**missed**')
    """
    return "met" if seconds < target else "**missed**"


def render(result: dict[str, Any]) -> str:
    """The marked section of the README for one run."""
    r = result
    rows = [
        f"| 64 KB body of digits to /sparql | {r['digits_s'] * 1000:.1f} | {r['digits_statuses']} | < 100 ms | "
        f"{status(r['digits_s'], 0.1)} |",
        f"| /city/tehran sent meanwhile (median; slowest {r['page_max_s'] * 1000:.1f} ms) | {r['page_s'] * 1000:.1f} | "
        f"{r['page_statuses']} | < 100 ms | {status(r['page_s'], 0.1)} |",
        f"| /city/tehran alone, for comparison | {r['page_alone_s'] * 1000:.1f} | [200] |  |  |",
        f"| 2,600 nested braces | {r['braces_s'] * 1000:.1f} | {r['braces_statuses']} |  |  |",
        f"| ASK right after them | | [{r['next_status']}] |  |  |",
        f"| runaway four-way cartesian COUNT, timeout {TIMEOUT_S} s | {r['runaway_s'] * 1000:.0f} | "
        f"[{r['runaway_status']}] | < {TIMEOUT_S + 1} s | {status(r['runaway_s'], TIMEOUT_S + 1)} |",
        f"| ASK right after it | {r['after_s'] * 1000:.1f} | [{r['after_status']}] |  |  |",
        f"| YAML alias bomb ({r['bomb_bytes']} bytes, in process) | {r['bomb_s'] * 1000:.2f} | {r['bomb_rules']} | "
        f"< 1 s | {status(r['bomb_s'], 1.0)} |",
    ]  # fmt: skip
    lines = [
        START, "## Hostile requests (benchmarks/hostile.py)", "",
        f"`python benchmarks/hostile.py [--repeat N]`: a real `twingraph serve` on loopback over the Kazan build, "
        f"with `--timeout {TIMEOUT_S}`; the median of {r['repeat']} requests of each kind (one for the runaway "
        "query). Targets from issue 12.", "",
        *header(r["run"], "results/hostile.json"), "", NOISE, "",
        "| request | median (ms) | statuses | target | status |", "|---|---:|---|---|---|", *rows,
    ]  # fmt: skip
    return "\n".join([*lines, END]) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="requests of each kind (median reported)")
    args = parser.parse_args(argv)
    info = run_info("hostile.py", argv)
    dist = WORK / "dist"
    say(f"building the Kazan data into {dist}")
    subprocess.run([sys.executable, "-m", "twingraph", "--dist", str(dist), "build"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    process, url = start_server(dist)
    try:
        served = measure_server(url, args.repeat)
    finally:
        process.terminate()
        process.wait(timeout=30)
    result = {"run": info, "repeat": args.repeat, **served, **measure_bomb(args.repeat)}
    publish(result, RESULTS, START, END, render(result))


if __name__ == "__main__":
    main(sys.argv[1:])
