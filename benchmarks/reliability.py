"""Reliability under load, under runaway queries and under kill -9 (issue 13): the figures of RELIABILITY.md.

    python benchmarks/reliability.py [--scale kazan|1m] [--seconds N] [--requests N] [--kills N] [--skip PART]

Load: a real `twingraph serve` on loopback over the scale's build, loaded by wrk (2 threads)
with a mix of requests (benchmarks/mix.lua) at 16, 64 and 256 connections for --seconds each;
the RSS of the server and its worker processes after a warm-up, and again once --requests
requests in all have been answered. Every wrk connection comes from 127.0.0.1, one client to
the server, so the server is started with --per-client equal to --workers (its other limits
are the defaults).
Hostile: a fresh server, and at each connection count the same load twice, alone and then with
runaway queries sent meanwhile, one after another, by a client loop from 127.0.0.2 (another
client to the server).
Faults (at the Kazan scale): `build`, `export` and `site` killed with SIGKILL at --kills points
spread over a clean run's duration (seeded); after each kill, whether the previous output is
complete and in place and what staging is left beside it; then what is left after one more run.

The figures go to benchmarks/results/reliability.json (each scale and the faults under the run
that made them) and the marked section of RELIABILITY.md is rebuilt from that file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx2
import pyoxigraph
from measure import Server
from provenance import NOISE, ROOT, header, publish, run_info, say

from twingraph.config import DEFAULT_LIMITS, DUMPS
from twingraph.slugs import slugify
from twingraph.synth import HOME_PERSONS, city_name, person_name

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "reliability"
RESULTS = HERE / "results" / "reliability.json"
DOCUMENT = ROOT / "RELIABILITY.md"
START, END = "<!-- benchmarks:reliability.py:start -->", "<!-- benchmarks:reliability.py:end -->"
SCALES = {"kazan": 0, "10k": 14, "1m": 1570}  # synthetic partner cities (the Kazan data is the real one)
SHOWN = ("kazan", "1m")  # the scales RELIABILITY.md reports, or says how to produce
CONNECTIONS = (16, 64, 256)
BASE = "https://twingraph.example/"
JSON = "application/sparql-results+json"
REFUSALS = {429, 503}  # the documented answers of a busy server (admission: the client's share, the queue)
HOSTILE_ADDRESS = "127.0.0.2"
P = "<https://schema.org/name>"
HOSTILE = {
    "cartesian COUNT of three patterns": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "eight nested OPTIONALs": "SELECT * WHERE { ?o0 ?p ?x "
    + "".join(f"OPTIONAL {{ ?o{i} ?q{i} ?o{i + 1} " for i in range(8)) + "}" * 8 + " }",
    "REGEX over every literal": 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o '
    'FILTER (isLiteral(?o) && REGEX(STR(?o), "^(.*а)*.*я$", "i")) }',
    "VALUES of 9,000 numbers joined with every triple": "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?v { "
    + " ".join(map(str, range(9000))) + " } ?s ?p ?o }",
    f"property path ({P}|!{P})*": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ({P}|!{P})* ?o }}",
}  # fmt: skip
RDF_SUFFIXES = {".ttl": pyoxigraph.RdfFormat.TURTLE, ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
                ".jsonld": pyoxigraph.RdfFormat.JSON_LD, ".gz": pyoxigraph.RdfFormat.N_TRIPLES}  # fmt: skip


def twingraph(*args: str | Path | int) -> list[str]:
    return [sys.executable, "-m", "twingraph", *map(str, args)]


# -- the data and the server ----------------------------------------------------------------------


def prepare(scale: str, work: Path) -> tuple[list[str], Path]:
    """Build the scale's data; the global options that point a command at it, and its dist/."""
    dist = work / scale / "dist"
    data: list[str] = []
    if SCALES[scale]:
        say(f"[{scale}] synthesising {SCALES[scale]} partner cities")
        subprocess.run(twingraph("synth", "--cities", SCALES[scale], "-o", work / scale / "data"), check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        data = ["--data", str(work / scale / "data")]
    say(f"[{scale}] building into {dist}")
    subprocess.run(twingraph(*data, "--dist", dist, "build"), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return data, dist


def mix(scale: str) -> list[tuple[str, str]]:
    """The requests wrk goes round: (Accept, path)."""
    if scale == "kazan":
        city, city_slug, person, person_slug = "Тегеран", "tehran", "Метшин", "ilsur-metshin"
    else:
        city, person = city_name(0), person_name(HOME_PERSONS + 1)
        city_slug, person_slug = slugify(city), slugify(person)
    return [
        ("text/html", "/"),
        ("text/html", f"/city/{city_slug}"), ("text/turtle", f"/city/{city_slug}"),
        ("text/html", f"/person/{person_slug}"), ("text/turtle", f"/person/{person_slug}"),
        ("application/gzip", f"/{DUMPS['ntriples']}"),
        # not city-timeline nor person-timeline: at 1M triples they take 10+ s and 5 s alone, past --timeout
        ("text/csv", "/queries/who-met-whom?" + urlencode({"person": person})),
        ("text/csv", "/queries/organizations-per-city?" + urlencode({"city": city})),
        (JSON, "/sparql?" + urlencode({"query": f"SELECT ?name WHERE {{ <{BASE}city/{city_slug}> {P} ?name }}"})),
        (JSON, "/sparql?" + urlencode({"query": f"SELECT ?p ?o WHERE {{ <{BASE}person/{person_slug}> ?p ?o }} "
                                                "LIMIT 20"})),
    ]  # fmt: skip


def serve_args(data: list[str], dist: Path, port: int | str) -> list[str]:
    # every wrk connection comes from 127.0.0.1: one address plays many clients, so it gets the whole pool
    return twingraph(*data, "--dist", dist, "serve", "--no-watch", "--port", port,
                     "--per-client", DEFAULT_LIMITS.workers)  # fmt: skip


def start_server(data: list[str], dist: Path, requests: list[tuple[str, str]], tries: int = 30) -> Server:
    """A server over dist/, once each request of the mix has been answered 200.

    A 429 or 503 (the readiness check's own requests may still hold the slots, or a worker be
    starting) is tried again after its Retry-After, ``tries`` times at most.
    """
    server = Server(lambda port: serve_args(data, dist, port), "/", cwd=ROOT)
    for accept, path in requests:
        for _ in range(tries):
            answer = httpx2.get(server.base + path, headers={"Accept": accept}, timeout=600)
            if answer.status_code not in (429, 503):
                break
            time.sleep(float(answer.headers.get("retry-after", "1")))
        if answer.status_code != 200:
            server.stop()
            raise SystemExit(f"{path} ({accept}) answered {answer.status_code}: {answer.text[:200]}")
    return server


def process_tree(pid: int) -> list[int]:
    """A process and its descendants, from /proc/PID/task/*/children."""
    found = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [p for child in children.read_text().split() for p in process_tree(int(child))]
        except OSError:  # the task ended meanwhile
            continue
    return found


def tree_rss(pid: int) -> dict[str, float]:
    """The resident memory of a process and its descendants (VmRSS summed), in MiB, and how many there are."""
    kib, count = 0, 0
    for each in process_tree(pid):
        try:
            found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{each}/status").read_text(), re.MULTILINE)
        except OSError:
            continue
        if found:
            kib, count = kib + int(found.group(1)), count + 1
    return {"rss_mib": kib / 1024, "processes": count}


# -- load with wrk --------------------------------------------------------------------------------


def wrk(base: str, mix_file: Path, connections: int, seconds: int, limit: int = 0) -> dict[str, Any]:
    """One wrk run over the mix: answers by status, socket errors, requests/s, p50 and p99.

    With ``limit``, each of the two threads stops after that many answers (``seconds`` is then a cap).
    """
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
            "-s", str(HERE / "mix.lua"), base, "--", str(mix_file), str(limit)]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    stopped = 0
    for line in process.stderr:  # wrk's main thread sleeps out -d even when its threads have stopped
        stopped += line.strip() == "mix-stopped"
        if stopped == 2:
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate()
    if process.returncode or "mix-result " not in out:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err}")
    return summarise(json.loads(out.split("mix-result ", 1)[1].splitlines()[0]), connections)


def summarise(raw: dict[str, Any], connections: int) -> dict[str, Any]:
    """The figures of a wrk run from what mix.lua printed.

    >>> out = summarise({"requests": 300, "duration_us": 2_000_000, "statuses": {"200": 200, "429": 100},
    ...                  "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 1}, "p50_us": 1500,
    ...                  "p90_us": 9000, "p99_us": 40000, "max_us": 90000}, 16)
    >>> out["rps"], out["ok_rps"], out["p99_ms"], out["refused"], out["socket_errors"]
    (150.0, 100.0, 40.0, {'429': 100}, 1)
    """
    seconds = raw["duration_us"] / 1e6
    statuses = {k: v for k, v in sorted(raw["statuses"].items())}
    ok = sum(n for status, n in statuses.items() if status.startswith("2"))
    return {"connections": connections, "requests": raw["requests"], "seconds": seconds,
            "rps": raw["requests"] / seconds, "ok_rps": ok / seconds, "statuses": statuses,
            "refused": {s: n for s, n in statuses.items() if not s.startswith("2")},
            "socket_errors": sum(raw["errors"].values()), "errors": raw["errors"],
            "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000}  # fmt: skip


def measure_load(server: Server, mix_file: Path, seconds: int, requests: int, warmup: int) -> dict[str, Any]:
    """Warm up, then the three connection counts, then more of the mix until ``requests`` are answered; RSS."""
    pid = server.proc.pid
    rss = [{"point": "answering", "requests": 0, **tree_rss(pid)}]
    say(f"warming up with {warmup:,} requests")
    done = wrk(server.base, mix_file, 16, 3600, limit=-(-warmup // 2))["requests"]
    rss.append({"point": "warm", "requests": done, **tree_rss(pid)})
    runs = []
    for connections in CONNECTIONS:
        say(f"wrk, {connections} connections, {seconds} s")
        runs.append(wrk(server.base, mix_file, connections, seconds))
    remaining = requests - sum(r["requests"] for r in runs)
    soak = None
    if remaining > 0:
        say(f"{remaining:,} more requests at 16 connections")
        soak = wrk(server.base, mix_file, 16, 7200, limit=-(-remaining // 2))
    rss.append({"point": "after", "requests": done + sum(r["requests"] for r in [*runs, *([soak] if soak else [])]),
                **tree_rss(pid)})  # fmt: skip
    return {"runs": runs, "soak": soak, "rss": rss, "warmup": warmup}


# -- runaway queries meanwhile --------------------------------------------------------------------


def hostile_loop(base: str, stop: threading.Event, sent: list[dict[str, Any]]) -> None:
    """Runaway queries one after another from 127.0.0.2, going on round HOSTILE where the last loop stopped."""
    kinds = list(HOSTILE.items())
    headers = {"Content-Type": "application/sparql-query", "Accept": JSON}
    with httpx2.Client(transport=httpx2.HTTPTransport(local_address=HOSTILE_ADDRESS), timeout=600) as client:
        while not stop.is_set():
            name, query = kinds[len(sent) % len(kinds)]
            start = time.perf_counter()
            try:
                status: int | str = client.post(base + "/sparql", content=query.encode(), headers=headers).status_code
            except httpx2.TransportError as exc:
                status = type(exc).__name__
            sent.append({"query": name, "status": status, "seconds": time.perf_counter() - start})


def measure_hostile(server: Server, mix_file: Path, seconds: int) -> dict[str, Any]:
    """At each connection count: the mix alone, then the mix with the hostile loop running."""
    runs: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []
    for connections in CONNECTIONS:
        say(f"wrk, {connections} connections, {seconds} s, alone")
        clean = wrk(server.base, mix_file, connections, seconds)
        say(f"wrk, {connections} connections, {seconds} s, with runaway queries")
        stop, before = threading.Event(), len(sent)
        loop = threading.Thread(target=hostile_loop, args=(server.base, stop, sent))
        loop.start()
        mixed = wrk(server.base, mix_file, connections, seconds)
        stop.set()
        loop.join()
        runs.append({"connections": connections, "clean": clean, "hostile": mixed, "hostile_sent": len(sent) - before})
    by_kind: dict[str, Any] = {}
    for name in HOSTILE:
        mine = [s for s in sent if s["query"] == name]
        by_kind[name] = {"sent": len(mine), "statuses": dict(Counter(str(s["status"]) for s in mine)),
                         "median_s": statistics.median(s["seconds"] for s in mine) if mine else None}  # fmt: skip
    return {"runs": runs, "queries": by_kind}


def measure_scale(scale: str, args: argparse.Namespace, info: dict[str, Any]) -> dict[str, Any]:
    data, dist = prepare(scale, args.work)
    requests = mix(scale)
    mix_file = args.work / scale / "mix.txt"
    mix_file.write_text("".join(f"{accept}\t{path}\n" for accept, path in requests), encoding="utf-8")
    with (dist / "twingraph.nt").open("rb") as dump:
        triples = sum(1 for _ in dump)
    out: dict[str, Any] = {"run": info, "scale": scale, "triples": triples, "mix": requests,
                           "server": " ".join(["twingraph", *serve_args(data, dist, "PORT")[3:]]).replace(
                               str(ROOT) + "/", "")}  # fmt: skip
    for part in ("load", "hostile"):
        if part in args.skip:
            continue
        server = start_server(data, dist, requests)  # a fresh one for each part
        try:
            if part == "load":
                out[part] = measure_load(server, mix_file, args.seconds, args.requests, args.warmup)
            else:
                out[part] = measure_hostile(server, mix_file, args.seconds)
        finally:
            out[part + "_peak_mib"] = server.stop()
        out[part]["load_average_end"] = round(os.getloadavg()[0], 2)
    return out


# -- kill -9 while writing ------------------------------------------------------------------------


def files_of(target: Path) -> dict[str, Path]:
    """The files of an output, by their path relative to it (a file output: its own name)."""
    if target.is_file():
        return {target.name: target}
    if not target.is_dir():
        return {}
    return {p.relative_to(target).as_posix(): p for p in sorted(target.rglob("*")) if p.is_file()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def triples(path: Path) -> int | None:
    """How many triples an RDF file holds; None when it does not parse (or is no RDF file)."""
    rdf_format = RDF_SUFFIXES.get(path.suffix)
    if rdf_format is None:
        return None
    try:
        body = path.read_bytes()
        return sum(1 for _ in pyoxigraph.parse(gzip.decompress(body) if path.suffix == ".gz" else body,
                                               format=rdf_format))  # fmt: skip
    except (OSError, SyntaxError, ValueError, EOFError, gzip.BadGzipFile):
        return None


def reference(target: Path) -> dict[str, Any]:
    """What a clean run wrote: each file's digest and, for the RDF files, its triples."""
    found = files_of(target)
    counts = {rel: n for rel, path in found.items() if (n := triples(path)) is not None}
    return {"digests": {rel: digest(path) for rel, path in found.items()}, "triples": counts}


def intact(target: Path, clean: dict[str, Any]) -> bool:
    """The same files as the clean run's, each the same bytes or, for RDF, parseable with the same triples."""
    found = files_of(target)
    if set(found) != set(clean["digests"]):
        return False
    return all(digest(path) == clean["digests"][rel]
               or (rel in clean["triples"] and triples(path) == clean["triples"][rel])
               for rel, path in found.items())  # fmt: skip


def beside(target: Path) -> tuple[list[str], bool]:
    """The staging entries (``.NAME.*``, the lock aside) next to an output, and whether its lock file is there."""
    names = [p.name for p in target.parent.glob(f".{target.name}.*")]
    lock = f".{target.name}.lock"
    return sorted(n for n in names if n != lock), lock in names


def kill_once(argv: list[str], delay: float) -> bool:
    """Start a command and SIGKILL its process group after ``delay`` seconds; whether it was still running."""
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


def measure_kills(argv: list[str], target: Path, kills: int, rng: random.Random) -> dict[str, Any]:
    """A clean run, ``kills`` runs killed at points spread over its duration, then one more clean run."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    duration = time.perf_counter() - start
    clean = reference(target)
    delays = [duration * (i + rng.random()) / kills for i in range(kills)]
    killed, whole, strays, locks = 0, 0, [], 0
    for delay in delays:
        killed += kill_once(argv, delay)
        whole += intact(target, clean)
        left, lock = beside(target)
        strays.append(len(left))
        locks += lock
    # not compared with the clean run: others may change the code meanwhile, and the next run is the new output
    next_run = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    left, lock = beside(target)
    return {"clean_s": duration, "files": len(clean["digests"]), "triples": sum(clean["triples"].values()),
            "kills": kills, "delays_s": delays, "killed": killed, "intact": whole, "strays": strays,
            "locks_left": locks, "next_run_exit": next_run, "strays_after_next_run": len(left),
            "lock_after_next_run": lock}  # fmt: skip


def measure_faults(args: argparse.Namespace, info: dict[str, Any]) -> dict[str, Any]:
    work = args.work / "faults"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    dist, rng = work / "dist", random.Random(args.seed)
    commands = {
        "build": (twingraph("--dist", dist, "build"), dist),
        "export": (twingraph("--dist", dist, "export", "--format", "turtle", "-o", work / "kazan.ttl"),
                   work / "kazan.ttl"),
        "site": (twingraph("--dist", dist, "site", "-o", work / "site"), work / "site"),
    }  # fmt: skip
    out: dict[str, Any] = {"run": info, "seed": args.seed, "commands": {}}
    for name, (argv, target) in commands.items():
        say(f"kill -9 in {name}, {args.kills} times")
        out["commands"][name] = {"command": " ".join(["twingraph", *argv[3:]]).replace(str(args.work) + "/", ""),
                                 **measure_kills(argv, target, args.kills, rng)}  # fmt: skip
    out["load_average_end"] = round(os.getloadavg()[0], 2)
    return out


# -- the section of RELIABILITY.md ----------------------------------------------------------------


def sec(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:,.2f}"


def verdict(ok: bool, why: str) -> str:
    """The status cell of a row with a target.

    >>> verdict(True, "x"), verdict(False, "2 of 5 killed runs")
    ('met', '**missed**: 2 of 5 killed runs')
    """
    return "met" if ok else f"**missed**: {why}"


def statuses(counts: dict[str, int]) -> str:
    """Answers counted by status, most first.

    >>> statuses({"429": 10, "503": 1200}), statuses({})
    ('503: 1,200, 429: 10', 'none')
    """
    return ", ".join(f"{s}: {n:,}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def plural(count: int, noun: str) -> str:
    """A count and its noun.

    >>> plural(1, "file"), plural(4972, "file")
    ('1 file', '4,972 files')
    """
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def load_row(run: dict[str, Any], label: str = "") -> str:
    unexpected = {s: n for s, n in run["refused"].items() if int(s) not in REFUSALS}
    problems = [f"{statuses(unexpected)} answers"] if unexpected else []
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in run["errors"].items() if n)
    problems += [f"wrk's socket errors: {kinds} (a timeout: no answer within 10 s)"] if kinds else []
    return (f"| {label or run['connections']} | {run['requests']:,} | {run['rps']:,.0f} | {run['ok_rps']:,.0f} | "
            f"{run['p50_ms']:,.1f} | {run['p99_ms']:,.1f} | {statuses(run['refused'])} | {kinds or 0} | "
            f"only 429/503 | {verdict(not problems, ', '.join(problems))} |")  # fmt: skip


def render_load(r: dict[str, Any]) -> list[str]:
    load = r["load"]
    warm, after = load["rss"][1], load["rss"][2]
    growth = after["rss_mib"] / warm["rss_mib"]
    soak = load["soak"]
    since = after["requests"] - warm["requests"]
    then = f", then at 16 connections until {since:,} requests in all had been answered" if soak else ""
    return [
        f"Load: after a warm-up, wrk -t2 for {load['runs'][0]['seconds']:.0f} s at each number of connections{then}"
        f"; load average {load['load_average_end']} at the end. The latencies are those of every answer, the "
        "refusals included.", "",
        "| connections | requests | requests/s | 2xx answers/s | p50 (ms) | p99 (ms) | non-2xx answers | "
        "socket errors | target | status |", "|---|---:|---:|---:|---:|---:|---|---:|---|---|",
        *(load_row(run) for run in load["runs"]),
        *([load_row(soak, f"16, up to {since:,} requests")] if soak else []), "",
        "| server RSS (its process and its workers) | requests answered | MiB | processes | target | status |",
        "|---|---:|---:|---:|---|---|",
        *(f"| {label} | {p['requests']:,} | {p['rss_mib']:,.0f} | {p['processes']} |  |  |"
          for label, p in zip(("answering (one request of each kind made)", f"after a warm-up of {warm['requests']:,}"
                               " requests"), load["rss"][:2], strict=True)),
        f"| after {since:,} more requests: {growth:.2f}× the warmed-up RSS | "
        f"{after['requests']:,} | {after['rss_mib']:,.0f} | {after['processes']} | ≤ 1.10× | "
        f"{verdict(growth <= 1.1, f'grew {growth:.2f}×')} |",
    ]  # fmt: skip


def render_hostile(r: dict[str, Any]) -> list[str]:
    hostile = r["hostile"]
    rows = []
    for run in hostile["runs"]:
        ratio = run["hostile"]["p99_ms"] / run["clean"]["p99_ms"]
        rows.append(f"| {run['connections']} | {run['clean']['p99_ms']:,.1f} | {run['hostile']['p99_ms']:,.1f} | "
                    f"{ratio:.2f}× | {statuses(run['clean']['refused'])} | {statuses(run['hostile']['refused'])} | "
                    f"{run['hostile_sent']} | ≤ 2× | {verdict(ratio <= 2, f'{ratio:.2f}×')} |")  # fmt: skip
    kinds = [
        f"| {name.replace('|', '&#124;')} | {q['sent']} | {statuses(q['statuses'])} | {sec(q['median_s'])} |"
        for name, q in hostile["queries"].items()
    ]
    return [
        f"Runaway queries meanwhile: a fresh server; at each connection count the mix alone, then again while one "
        f"client loop from {HOSTILE_ADDRESS} (another client to the server) sends the queries below one after "
        f"another; load average {hostile['load_average_end']} at the end.", "",
        "| connections | p99 alone (ms) | p99 with runaway queries (ms) | ratio | non-2xx alone | non-2xx with "
        "runaway queries | runaway queries answered | target | status |",
        "|---:|---:|---:|---:|---|---|---:|---|---|", *rows, "",
        "| runaway query | sent | statuses | median time to the answer (s) |", "|---|---:|---|---:|", *kinds,
    ]  # fmt: skip


def render_scale(r: dict[str, Any]) -> list[str]:
    lines = [f"### {r['scale']}: {r['triples']:,} triples", "",
             *header(r["run"], "benchmarks/results/reliability.json"), "", NOISE, "",
             f"Server: `{r['server']}` (the other limits at their defaults), on loopback; its mix of requests, "
             "each connection going round it: " + ", ".join(f"`{path}` ({accept})" for accept, path in r["mix"])
             + ".", ""]  # fmt: skip
    for part, render_part in (("load", render_load), ("hostile", render_hostile)):
        lines += [*render_part(r), ""] if part in r else [f"Not measured: {part} (skipped in this run).", ""]
    return lines


def fault_row(c: dict[str, Any]) -> str:
    problems = []
    if c["intact"] < c["kills"]:
        problems.append(f"{c['kills'] - c['intact']} of {c['kills']} kills left it broken")
    if c["strays_after_next_run"]:
        problems.append(f"{c['strays_after_next_run']} staging entries after the next run")
    if c["next_run_exit"]:
        problems.append(f"the next run failed ({c['next_run_exit']})")
    staged = sum(1 for n in c["strays"] if n)
    return (f"| `{c['command']}` | {plural(c['files'], 'file')}, {plural(c['triples'], 'triple')} | "
            f"{c['clean_s']:,.2f} | {c['killed']} of {c['kills']} | {c['intact']} of {c['kills']} | "
            f"{staged} of {c['kills']} (at most {plural(max(c['strays']), 'entry').replace('ys', 'ies')}) | "
            f"{c['locks_left']} of {c['kills']} | {c['strays_after_next_run']} | {c['next_run_exit']} | "
            "intact after every kill, no staging after the next run | "
            f"{verdict(not problems, '; '.join(problems))} |")  # fmt: skip


def render_faults(f: dict[str, Any]) -> list[str]:
    return [
        "### kill -9 while writing (the Kazan data)", "", *header(f["run"], "benchmarks/results/reliability.json"),
        "", f"Each command is run once to the end (the clean run, whose output the others replace), then started "
        f"again and its process group sent SIGKILL after a delay spread over the clean run's duration (seed "
        f"{f['seed']}: one delay drawn in each of {next(iter(f['commands'].values()))['kills']} equal slices), "
        "then once more to the end (the next run). After each kill the output is compared with the clean run's: "
        "the same files, each the same bytes or (RDF) parseable with the same triples. Staging is what is left "
        "beside the output under `.NAME.*`, other than the lock file `.NAME.lock` (which stays after a kill); "
        f"load average {f['load_average_end']} at the end.",
        "", "| command | clean output (triples summed over its RDF files) | clean run (s) | killed while running | "
        "intact after the kill | kills "
        "that left staging | lock file left | staging after the next run | exit code of the next run | target | "
        "status |", "|---|---|---:|---:|---:|---|---:|---:|---:|---|---|",
        *(fault_row(c) for c in f["commands"].values()), "",
    ]  # fmt: skip


def render(result: dict[str, Any]) -> str:
    """The marked section of RELIABILITY.md for the results file."""
    lines = [START, "## Load, runaway queries and kill -9 (benchmarks/reliability.py)", "",
             "Generated by `python benchmarks/reliability.py`; do not edit by hand between the markers. Each table "
             "comes from one run, named above it. Targets from issue 13.", ""]  # fmt: skip
    scales = result.get("scales", {})
    for scale in sorted(scales, key=list(SCALES).index):
        lines += render_scale(scales[scale])
    for scale in (s for s in SHOWN if s not in scales):
        lines += [f"### {scale}: not run", "", f"No run of the current script at this scale. To produce it: "
                  f"`python benchmarks/reliability.py --scale {scale} --skip faults`.", ""]  # fmt: skip
    lines += (
        render_faults(result["faults"])
        if "faults" in result
        else ["### kill -9 while writing: not run", "", "To produce it: `python benchmarks/reliability.py`.", ""]
    )
    return "\n".join([*lines[:-1], END]) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=list(SCALES), default="kazan", help="the data served [kazan]")
    parser.add_argument("--seconds", type=int, default=20, help="each wrk run, per connection count [20]")
    parser.add_argument("--requests", type=int, default=100_000,
                        help="requests answered between the two RSS readings [100,000]")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=1000, help="requests before the first RSS reading [1,000]")
    parser.add_argument("--kills", type=int, default=20, help="kills per writing command [20]")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill delays [0]")
    parser.add_argument("--skip", action="append", default=[], choices=["load", "hostile", "faults"],
                        help="leave a part out (its earlier figures stay); repeatable")  # fmt: skip
    parser.add_argument("--work", type=Path, default=WORK, help="scratch directory [benchmarks/.work/reliability]")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    info = run_info("reliability.py", argv, ("wrk",))
    result = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if not {"load", "hostile"} <= set(args.skip):
        result.setdefault("scales", {})[args.scale] = measure_scale(args.scale, args, info)
    if "faults" not in args.skip:
        result["faults"] = measure_faults(args, info)
    publish(result, RESULTS, START, END, render(result), document=DOCUMENT)


if __name__ == "__main__":
    main(sys.argv[1:])
