"""In-process measurements, each system in its own child process so that its peak memory is its own.

    python benchmarks/workers.py twingraph DATA DIST QUERIES.json
    python benchmarks/workers.py rdflib DUMP QUERIES.json

Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import repeated

from twingraph.config import DUMP, Settings
from twingraph.export import GraphOrTriples, summarize
from twingraph.pipeline import Encoded, dataset_graph, dump_files, dumped, write_dist
from twingraph.store import EmbeddedStore
from twingraph.validate import Engine, load_shapes, validate_graph

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def timed(run: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def dumps(graph: GraphOrTriples, settings: Settings) -> Path:
    """The dumps and the description in dist/, as the build writes them from the graph."""
    dump, store = dumped(graph, say)
    return write_dist(dump, lambda: Encoded(summarize(store), dump_files(dump, len(graph))), settings, say)


def build_steps(settings: Settings, spec: dict[str, Any]) -> dict[str, Any]:
    """Records -> graph, SHACL (the build's compiled engine; pySHACL too, up to a size) and the dumps in dist/."""
    build_s, (_, graph) = timed(lambda: dataset_graph(settings, say))
    out: dict[str, Any] = {"triples": len(graph), "build_s": build_s}
    shapes = load_shapes(settings.shapes_dir)
    say(f"validating {len(graph)} triples with the shapes compiled to SPARQL")
    out["shacl_s"], report = timed(lambda: validate_graph(graph, shapes, Engine.OXIGRAPH))
    out["shacl_engine"], out["conforms"] = Engine.OXIGRAPH.value, report.conforms
    if len(graph) <= spec["pyshacl_max"]:
        say(f"validating {len(graph)} triples with pySHACL")
        out["pyshacl_s"], _ = timed(lambda: validate_graph(graph, shapes, Engine.PYSHACL))
    out["dumps_s"], _ = timed(lambda: dumps(graph, settings))
    return out


def twingraph(data: Path, dist: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Build, validate, dump, load and query as twingraph does (embedded pyoxigraph)."""
    settings = dataclasses.replace(Settings(root=ROOT), data=data, dist=dist)
    out = build_steps(settings, spec)
    say("loading the N-Triples dump into the embedded store")
    out["load_s"], store = timed(lambda: EmbeddedStore.from_file(dist / DUMP))
    out["queries"] = {}
    for name, query in spec["queries"].items():
        say(f"query {name}")
        out["queries"][name] = repeated(lambda q=query: store.select(q), spec["runs"], spec["budget"])
        out["queries"][name]["rows"] = len(store.select(query).rows)
    return out


def rdflib_peer(dump: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """The pure-Python peer: parse the same dump into an in-memory rdflib graph and query it."""
    from rdflib import Graph

    say("parsing the dump with rdflib")
    load_s, graph = timed(lambda: Graph().parse(dump, format="nt"))
    out: dict[str, Any] = {"triples": len(graph), "load_s": load_s, "queries": {}}
    for name, query in spec["queries"].items():
        if name in spec.get("rdflib_skip", []):
            continue
        say(f"rdflib query {name}")
        try:
            out["queries"][name] = repeated(within(lambda q=query: list(graph.query(q)), spec["rdflib_timeout"]),
                                            spec["runs"], spec["budget"])  # fmt: skip
        except (TimeoutError, MemoryError) as exc:
            limit = spec["rdflib_timeout"]
            out["queries"][name] = {"p50": limit, "p95": limit, "runs": 0, "failed": type(exc).__name__}
        except Exception as exc:  # rdflib cannot answer the query at all (a bug of its own): no time to report
            say(f"rdflib failed on {name}: {type(exc).__name__}: {exc}")
            out["queries"][name] = {"p50": None, "p95": None, "runs": 0, "failed": f"rdflib: {type(exc).__name__}"}
    return out


def within(run: Callable[[], object], seconds: float) -> Callable[[], object]:
    """``run`` interrupted by TimeoutError after ``seconds`` (rdflib is pure Python, so a signal stops it)."""

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError

    def bounded() -> object:
        signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return run()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    return bounded


def cap_memory(gib: float) -> None:
    """Let a runaway query fail with MemoryError instead of taking the shared machine's memory."""
    limit = int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: list[str]) -> None:
    kind, *paths = argv
    spec = json.loads(Path(paths[-1]).read_text(encoding="utf-8"))
    if kind == "twingraph":
        result = twingraph(Path(paths[0]), Path(paths[1]), spec)
    else:
        cap_memory(spec["rdflib_gib"])
        result = rdflib_peer(Path(paths[0]), spec)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
