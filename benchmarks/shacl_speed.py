"""How long SHACL validation takes: the shapes compiled to SPARQL on pyoxigraph, and pySHACL, on synthetic data.

Run: python benchmarks/shacl_speed.py [--scale 10k --scale 100k --scale 1m] [--pyshacl-max 100000] [--work DIR]
Each scale is `twingraph synth` output (the partner-city counts of benchmarks/run.py) mapped to a
graph as `twingraph build` does; validation is timed from the rdflib graph to the report, so
the compiled engine's copy of the graph into its store is included. Both reports must agree.
Prints a Markdown table; the numbers go into benchmarks/README.md by hand (see the section there).
Target (issue 6): 1M triples in <= 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph

from twingraph.config import Settings
from twingraph.pipeline import dataset_graph
from twingraph.validate import Engine, Report, load_shapes, validate_graph

ROOT = Path(__file__).resolve().parent.parent
SCALES = {"10k": 14, "100k": 155, "1m": 1570}  # as benchmarks/run.py: about 635 triples per partner city


def timed(graph: Graph, shapes: Graph, engine: Engine) -> tuple[float, Report]:
    start = time.perf_counter()
    report = validate_graph(graph, shapes, engine)
    return time.perf_counter() - start, report


def found(report: Report) -> set[tuple[str, str, str]]:
    return {(v.focus, v.path, v.component) for v in report.violations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", choices=list(SCALES), help="default: all three")
    parser.add_argument("--pyshacl-max", type=int, default=150_000, help="skip pySHACL above this many triples")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the compiled engine (median reported)")
    parser.add_argument("--work", type=Path, help="where the synthetic data goes [default: a temporary directory]")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="shacl-speed-"))
    shapes = load_shapes(ROOT / "shapes")

    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print()
    print("| scale | triples | compiled to SPARQL, pyoxigraph (s) | pySHACL (s) | speed-up | target | status |")
    print("|---|---:|---:|---:|---:|---|---|")
    for scale in args.scale or list(SCALES):
        data = work / scale
        if not (data / "records").exists():
            subprocess.run([sys.executable, "-m", "twingraph", "synth", "--cities", str(SCALES[scale]), "-o",
                            str(data)], check=True, cwd=ROOT)  # fmt: skip
        _, graph = dataset_graph(dataclasses.replace(Settings(root=ROOT), data=data))
        runs = [timed(graph, shapes, Engine.OXIGRAPH) for _ in range(args.repeat)]
        compiled = statistics.median(t for t, _ in runs)
        reference = "skipped"
        speedup = ""
        if len(graph) <= args.pyshacl_max:
            seconds, report = timed(graph, shapes, Engine.PYSHACL)
            if found(report) != found(runs[0][1]) or report.conforms != runs[0][1].conforms:
                sys.exit(f"{scale}: the engines disagree:\n{runs[0][1].text()}\n---\n{report.text()}")
            reference, speedup = f"{seconds:.2f}", f"{seconds / compiled:,.0f}×"
        target = "≤ 30 s" if scale == "1m" else ""
        status = ("met" if compiled <= 30 else "**missed**") if target else ""
        print(f"| {scale} | {len(graph):,} | {compiled:.2f} | {reference} | {speedup} | {target} | {status} |",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
