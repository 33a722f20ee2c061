"""Timing helpers and child processes measured for time and peak memory."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of a list of samples.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5), percentile([1.0, 2.0, 3.0, 4.0], 0.95)
    (2.0, 4.0)
    """
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, -(-int(fraction * 100 * len(ordered)) // 100) - 1))]


def repeated(run: Callable[[], object], runs: int, budget: float) -> dict[str, float]:
    """Run up to ``runs`` times (at least once), stopping when ``budget`` seconds are spent; p50 and p95."""
    samples: list[float] = []
    while len(samples) < runs and (not samples or sum(samples) < budget):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return {"p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95), "runs": len(samples),
            "median": statistics.median(samples)}  # fmt: skip


@dataclass(frozen=True)
class Finished:
    """A child process that ended: its wall time, peak memory in MiB and output."""

    seconds: float
    peak_mib: float
    stdout: str
    returncode: int


def run_measured(args: list[str], cwd: Path | None = None, timeout: float | None = None) -> Finished:
    """Run a command to its end, with wall time and peak RSS taken from wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Finished(time.perf_counter() - start, usage.ru_maxrss / 1024, out, proc.returncode)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server process on a free loopback port; stopping it reports its peak memory."""

    def __init__(self, args: Callable[[int], list[str]], ready_path: str, cwd: Path | None = None) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(args(self.port), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.ready_after = wait_ready(self.base + ready_path, self.proc) - self.started

    def stop(self, grace: float = 20.0) -> float:
        """Stop the server (SIGINT, then SIGTERM, then SIGKILL); its peak RSS in MiB.

        SIGINT alone is not enough: a process started in the background of a
        non-interactive shell (``nohup ... &``) inherits SIGINT ignored.
        """
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            self.proc.send_signal(sig)
            deadline = time.perf_counter() + grace
            while time.perf_counter() < deadline:
                try:
                    pid, _, usage = os.wait4(self.proc.pid, os.WNOHANG)
                except ChildProcessError:
                    return 0.0
                if pid:
                    self.proc.returncode = 0  # reaped here: keep Popen from waiting for it again
                    return usage.ru_maxrss / 1024
                time.sleep(0.1)
        return 0.0


def wait_ready(url: str, proc: subprocess.Popen[bytes], limit: float = 1800) -> float:
    """Poll a URL until it answers (any status); the time it did."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return time.perf_counter()
        except urllib.error.HTTPError:
            return time.perf_counter()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {limit} s")


def sparql_get(endpoint: str, query: str, timeout: float = 3600) -> int:
    """Run a SELECT over HTTP; the number of result rows."""
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return len(json.load(response)["results"]["bindings"])


WARM_UP = 2  # seconds of the same load, not measured, before each measured wrk run of run.py


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int = 16) -> dict[str, float]:
    """Load a URL with wrk on loopback: requests/s, p99 latency in ms and the share of errors."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(out: str) -> dict[str, float]:
    """Requests/s, p99 and errors from wrk's report.

    >>> parse_wrk("  99%   12.50ms\\n  1000 requests in 10.00s\\nRequests/sec:    100.00\\n")
    {'rps': 100.0, 'p99_ms': 12.5, 'requests': 1000.0, 'errors': 0.0}
    """
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errors.groups()) if errors else 0)
    return {"rps": float(rps.group(1)) if rps else 0.0,
            "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)] if p99 else 0.0,
            "requests": float(total.group(1)) if total else 0.0, "errors": float(failed)}  # fmt: skip
