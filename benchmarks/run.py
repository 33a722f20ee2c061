"""Benchmarks: twingraph against rdflib (pure-Python peer) and the Oxigraph server (fast limit), side by side.

    python benchmarks/run.py --scale 10k            # one scale; repeat --scale for more

For each scale: synthetic records (twingraph synth), then in separate
processes: twingraph (build, SHACL, dumps, embedded store, queries), rdflib
(parse + the same queries), `oxigraph load` + `oxigraph serve-read-only`
(the same queries over HTTP), and HTTP load with wrk on loopback against
`twingraph serve`, `oxigraph serve-read-only` and `rdflib-endpoint serve`.
Results go to benchmarks/results/<scale>.json with the run that made them
(commit, date, machine, versions); the tables in benchmarks/README.md are
rebuilt from every results file present, each under its own run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from measure import WARM_UP, Finished, Server, repeated, run_measured, sparql_get, wrk
from provenance import run_info, say
from report import write_readme

from twingraph.config import DEFAULT_LIMITS
from twingraph.slugs import slugify
from twingraph.store import load_queries
from twingraph.synth import HOME_PERSONS, city_name, person_name

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Partner cities per scale: about 1,060 triples each, plus about 2,800 for the home city and the vocabulary
# (17,623, 167,098 and 1,659,762 triples in benchmarks/README.md); build_speed.py and shacl_speed.py use the same
SCALES = {"10k": 14, "100k": 155, "1m": 1570}
BASE = "https://twingraph.example/"


def workload() -> dict[str, str]:
    """The measured queries: named queries of queries/, bound to synthetic names."""
    named = load_queries(ROOT / "queries")
    person = person_name(HOME_PERSONS + 1)  # a partner city's deputy, later its mayor
    city = city_name(0)
    return {
        "who-met-whom (LIMIT 100)": named["who-met-whom"].text + "LIMIT 100\n",
        "who-met-whom, one person": named["who-met-whom"].bound({"person": person}),
        "city timeline": named["city-timeline"].bound({"city": city}),
        "events per year": named["events-per-year"].text,
        "small SELECT": f"SELECT ?name WHERE {{ <{BASE}city/{slugify(city)}> <https://schema.org/name> ?name }}",
    }


def checked(done: Finished) -> Finished:
    """A finished command, or RuntimeError if it failed (a failed command's time is no measurement)."""
    if done.returncode:
        raise RuntimeError(f"a measured command failed with exit code {done.returncode}")
    return done


def run_worker(args: list[str]) -> tuple[dict[str, Any], float]:
    done = run_measured([sys.executable, str(HERE / "workers.py"), *args], cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"worker {args[0]} failed ({done.returncode})")
    return json.loads(done.stdout), done.peak_mib


def oxigraph_side(dump: Path, work: Path, queries: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """`oxigraph load` into a fresh directory, then the queries over HTTP against serve-read-only."""
    location = work / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    say("oxigraph load")
    loaded = run_measured(["oxigraph", "load", "--location", str(location), "--file", str(dump)])
    server = Server(lambda port: ["oxigraph", "serve-read-only", "--location", str(location),
                                 "--bind", f"127.0.0.1:{port}"], "/query?query=ASK%7B%7D")  # fmt: skip
    out: dict[str, Any] = {"load_s": loaded.seconds, "load_peak_mib": loaded.peak_mib, "queries": {}}
    try:
        for name, query in queries.items():
            say(f"oxigraph query {name}")
            out["queries"][name] = repeated(lambda q=query: sparql_get(server.base + "/query", q),
                                            spec["runs"], spec["budget"])  # fmt: skip
        out["http"] = http_load(server.base + "/query", queries["small SELECT"], f"{server.base}/query",
                                describe(), spec)  # fmt: skip
    finally:
        out["server_peak_mib"] = server.stop()
    return out


def describe() -> str:
    return f"DESCRIBE <{BASE}city/{slugify(city_name(0))}>"


def http_load(endpoint: str, select: str, page_endpoint: str, page_query: str | None, spec: dict[str, Any],
              page_url: str | None = None) -> dict[str, Any]:  # fmt: skip
    """wrk against /sparql with a small SELECT, and against a resource page (or a DESCRIBE where there is none)."""
    from urllib.parse import urlencode

    seconds = spec["wrk_seconds"]
    say(f"wrk {endpoint}")
    loads = {"sparql": (f"{endpoint}?{urlencode({'query': select})}", {"Accept": "application/sparql-results+json"}),
             "page": (page_url or f"{page_endpoint}?{urlencode({'query': page_query or ''})}",
                      {"Accept": "text/html" if page_url else "text/turtle"})}  # fmt: skip
    out = {}
    for name, (url, headers) in loads.items():
        wrk(url, headers, WARM_UP)  # every system warmed the same way: its caches, workers and connections
        out[name] = wrk(url, headers, seconds)
    return out


def twingraph_server(data: Path, dist: Path, queries: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    # wrk's connections all come from 127.0.0.1: one address plays many clients, so it gets the whole pool
    server = Server(lambda port: ["twingraph", "--data", str(data), "--dist", str(dist), "serve", "--no-watch",
                                  "--port", str(port), "--per-client", str(DEFAULT_LIMITS.workers)],
                    "/sparql?query=ASK%7B%7D", cwd=ROOT)  # fmt: skip
    try:
        page = f"{server.base}/city/{slugify(city_name(0))}"
        out = {"http": http_load(server.base + "/sparql", queries["small SELECT"], "", None, spec, page_url=page)}
    finally:
        out["server_peak_mib"] = server.stop()
    return out


def rdflib_server(dump: Path, queries: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """rdflib-endpoint's `serve`, whose SPARQL endpoint is at / (not /sparql)."""
    server = Server(lambda port: ["rdflib-endpoint", "serve", "--host", "127.0.0.1", "--port", str(port),
                                  str(dump)], "/?query=ASK%7B%7D")  # fmt: skip
    try:
        out = {"http": http_load(server.base + "/", queries["small SELECT"], server.base + "/", describe(), spec)}
    finally:
        out["server_peak_mib"] = server.stop()
    return out


def kazan_build() -> dict[str, float]:
    """The real Kazan dataset built end to end by the command line (`twingraph build`), three times."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = [checked(run_measured(["twingraph", "--dist", f"{tmp}/dist{i}", "build"], cwd=ROOT))
                for i in range(3)]  # fmt: skip
    return {"median_s": sorted(r.seconds for r in runs)[1], "peak_mib": max(r.peak_mib for r in runs)}


def bench_scale(scale: str, work: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Every measurement at one scale."""
    data, dist = work / scale, work / scale / "dist"
    say(f"[{scale}] synthesising {SCALES[scale]} partner cities")
    checked(run_measured(["twingraph", "synth", "--cities", str(SCALES[scale]), "-o", str(data)], cwd=ROOT))
    queries = workload()
    spec_file = work / "spec.json"
    spec_file.write_text(json.dumps({**spec, "queries": queries}, ensure_ascii=False), encoding="utf-8")
    result: dict[str, Any] = {"scale": scale, "cities": SCALES[scale]}
    result["twingraph"], result["twingraph"]["peak_mib"] = run_worker(["twingraph", str(data), str(dist),
                                                                       str(spec_file)])  # fmt: skip
    result["twingraph"].update(twingraph_server(data, dist, queries, spec))
    dump = dist / "twingraph.nt"
    result["oxigraph"] = oxigraph_side(dump, work, queries, spec)
    if result["twingraph"]["triples"] > spec["rdflib_max"]:
        spec_file.write_text(json.dumps({**spec, "queries": queries, "rdflib_skip": list(queries)[:2]}),
                             encoding="utf-8")  # fmt: skip
    result["rdflib"], result["rdflib"]["peak_mib"] = run_worker(["rdflib", str(dump), str(spec_file)])
    result["rdflib"].update(rdflib_server(dump, queries, spec))
    return result


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="append", choices=list(SCALES), required=True,
                        help="10k, 100k or 1m triples; repeatable")  # fmt: skip
    parser.add_argument("--runs", type=int, default=20, help="repetitions per query [20]")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per query and system before stopping [30]")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="duration of each wrk run [10]")
    parser.add_argument("--pyshacl-max", type=int, default=200_000, help="skip pySHACL above this many triples")
    parser.add_argument("--rdflib-max", type=int, default=200_000,
                        help="skip rdflib's who-met-whom above this many triples (hours at 1M)")  # fmt: skip
    parser.add_argument("--rdflib-timeout", type=float, default=60.0, help="stop an rdflib query after this [60 s]")
    parser.add_argument("--rdflib-gib", type=float, default=6.0, help="memory cap of the rdflib process [6 GiB]")
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="scratch directory [benchmarks/.work]")
    return parser.parse_args(argv)


def extra_options(argv: list[str]) -> list[str]:
    """The options of a command line other than --scale, to restate how one scale was run.

    >>> extra_options(["--scale", "10k", "--runs", "5", "--scale=100k"])
    ['--runs', '5']
    """
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip or arg.startswith("--scale="):
            skip = False
        elif arg == "--scale":
            skip = True
        else:
            out.append(arg)
    return out


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    spec = {"runs": args.runs, "budget": args.budget, "wrk_seconds": args.wrk_seconds,
            "pyshacl_max": args.pyshacl_max, "rdflib_max": args.rdflib_max, "rdflib_timeout": args.rdflib_timeout,
            "rdflib_gib": args.rdflib_gib}  # fmt: skip
    args.work.mkdir(parents=True, exist_ok=True)
    (HERE / "results").mkdir(exist_ok=True)
    say("building the real Kazan dataset end to end")
    kazan = kazan_build()
    for scale in args.scale:
        run = run_info("run.py", ["--scale", scale, *extra_options(argv)], ("oxigraph", "wrk"))
        result = {"run": run} | bench_scale(scale, args.work, spec) | {"kazan": kazan}
        (HERE / "results" / f"{scale}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        write_readme(HERE / "README.md", HERE / "results", list(SCALES))
        say(f"[{scale}] done; table written to benchmarks/README.md")


if __name__ == "__main__":
    main(sys.argv[1:])
