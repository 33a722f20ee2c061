"""The two who-met-whom targets on their own, without SHACL: records -> graph -> store -> the queries.

    twingraph synth --cities 1570 -o /tmp/synth-1m
    python benchmarks/who_met_whom.py /tmp/synth-1m

Prints the triples, the load time and p50/p95 of "who-met-whom (LIMIT 100)" and
"who-met-whom, one person" as benchmarks/run.py measures them (same query texts),
in minutes instead of the hours the full run takes at 1M.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from measure import repeated
from run import workload

from twingraph.config import Settings
from twingraph.export import ntriples
from twingraph.pipeline import dataset_graph
from twingraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("who-met-whom (LIMIT 100)", "who-met-whom, one person")


def main(data: Path) -> None:
    settings = dataclasses.replace(Settings(root=ROOT), data=data)
    start = time.perf_counter()
    _, graph = dataset_graph(settings)
    print(f"{len(graph):,} triples mapped in {time.perf_counter() - start:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "twingraph.nt"
        dump.write_bytes(ntriples(graph))
        del graph
        start = time.perf_counter()
        store = EmbeddedStore.from_file(dump)
    print(f"loaded in {time.perf_counter() - start:.1f} s", flush=True)
    queries = workload()
    for name in NAMES:
        timing = repeated(lambda q=queries[name]: store.select(q), 20, 60.0)
        rows = len(store.select(queries[name]).rows)
        print(f"{name}: p50 {timing['p50'] * 1000:.1f} ms, p95 {timing['p95'] * 1000:.1f} ms, "
              f"{timing['runs']} runs, {rows} rows", flush=True)  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
