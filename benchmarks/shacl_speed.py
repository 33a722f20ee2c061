"""How long SHACL validation takes: the shapes compiled to SPARQL on pyoxigraph, and pySHACL, on synthetic data.

    python benchmarks/shacl_speed.py --scale 10k --scale 100k     # default: 10k, 100k and 1m

Each scale is `twingraph synth` output (the partner-city counts of benchmarks/run.py) mapped to a
graph as `twingraph build` does; validation is timed from the rdflib graph to the report, so
the compiled engine's copy of the graph into its store is included. Both reports must agree.
The results go to benchmarks/results/shacl.json, with the run that made them, and their table
replaces the marked section of benchmarks/README.md.
Target (issue 14): 1M triples in <= 5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from provenance import NOISE, header, not_run, publish, run_info, say
from rdflib import Graph
from run import SCALES

from twingraph.config import Settings
from twingraph.pipeline import dataset_graph
from twingraph.validate import Engine, Report, load_shapes, validate_graph

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "shacl.json"
START, END = "<!-- benchmarks:shacl_speed.py:start -->", "<!-- benchmarks:shacl_speed.py:end -->"
TARGET_S = 5.0


def timed(graph: Graph, shapes: Graph, engine: Engine) -> tuple[float, Report]:
    start = time.perf_counter()
    report = validate_graph(graph, shapes, engine)
    return time.perf_counter() - start, report


def found(report: Report) -> set[tuple[str, str, str]]:
    return {(v.focus, v.path, v.component) for v in report.violations}


def measure(scale: str, work: Path, shapes: Graph, repeat: int, pyshacl_max: int) -> dict[str, Any]:
    """One scale: the compiled engine's median of ``repeat`` runs, and one pySHACL run up to a size."""
    data = work / scale
    if not (data / "records").exists():
        subprocess.run([sys.executable, "-m", "twingraph", "synth", "--cities", str(SCALES[scale]), "-o",
                        str(data)], check=True, cwd=ROOT)  # fmt: skip
    _, graph = dataset_graph(dataclasses.replace(Settings(root=ROOT), data=data))
    say(f"[{scale}] {len(graph):,} triples: the compiled engine, {repeat} runs")
    runs = [timed(graph, shapes, Engine.OXIGRAPH) for _ in range(repeat)]
    row: dict[str, Any] = {"scale": scale, "triples": len(graph), "compiled_s": statistics.median(t for t, _ in runs),
                           "pyshacl_s": None}  # fmt: skip
    if len(graph) <= pyshacl_max:
        say(f"[{scale}] pySHACL")
        seconds, report = timed(graph, shapes, Engine.PYSHACL)
        if found(report) != found(runs[0][1]) or report.conforms != runs[0][1].conforms:
            sys.exit(f"{scale}: the engines disagree:\n{runs[0][1].text()}\n---\n{report.text()}")
        row["pyshacl_s"] = seconds
    return row


def table_row(row: dict[str, Any]) -> str:
    """A row of the table; the target applies at 1M triples.

    >>> table_row({"scale": "1m", "triples": 1_347_519, "compiled_s": 31.0, "pyshacl_s": None})
    '| 1m | 1,347,519 | 31.00 | skipped |  | ≤ 5 s | **missed** |'
    """
    compiled, reference = row["compiled_s"], row["pyshacl_s"]
    pyshacl = "skipped" if reference is None else f"{reference:.2f}"
    speedup = "" if reference is None else f"{reference / compiled:,.0f}×"
    target = f"≤ {TARGET_S:g} s" if row["scale"] == "1m" else ""
    status = ("met" if compiled <= TARGET_S else "**missed**") if target else ""
    return f"| {row['scale']} | {row['triples']:,} | {compiled:.2f} | {pyshacl} | {speedup} | {target} | {status} |"


def render(result: dict[str, Any]) -> str:
    """The marked section of the README for one run."""
    lines = [
        START, "## SHACL validation speed (benchmarks/shacl_speed.py)", "",
        "`python benchmarks/shacl_speed.py [--scale 10k --scale 100k --scale 1m] [--pyshacl-max N]`: "
        "`twingraph synth` data at the partner-city counts of run.py, mapped to a graph as the build does, then "
        "validated from the rdflib graph to the report (the compiled engine's copy of the graph into its "
        f"in-memory pyoxigraph store included); median of {result['repeat']} runs for the compiled engine, one "
        f"run of pySHACL (skipped above {result['pyshacl_max']:,} triples), and the script stops if the two "
        "reports differ in any (focus node, path, constraint component). Target from issue 14: 1M triples in "
        f"≤ {TARGET_S:g} s on 2 cores.", "",
        *header(result["run"], "results/shacl.json"), "", NOISE, "",
        "| scale | triples | compiled to SPARQL, pyoxigraph (s) | pySHACL (s) | speed-up | target | status |",
        "|---|---:|---:|---:|---:|---|---|",
        *(table_row(r) for r in result["rows"]),
    ]  # fmt: skip
    lines += not_run(list(SCALES), result["rows"], "shacl_speed.py")
    return "\n".join([*lines, END]) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="append", choices=list(SCALES), help="repeatable [10k, 100k and 1m]")
    parser.add_argument("--pyshacl-max", type=int, default=150_000, help="skip pySHACL above this many triples")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the compiled engine (median reported)")
    parser.add_argument("--work", type=Path, help="where the synthetic data goes [default: a temporary directory]")
    args = parser.parse_args(argv)
    info = run_info("shacl_speed.py", argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="shacl-speed-"))
    shapes = load_shapes(ROOT / "shapes")
    scales = [s for s in SCALES if s in (args.scale or list(SCALES))]
    rows = [measure(s, work, shapes, args.repeat, args.pyshacl_max) for s in scales]
    result = {"run": info, "repeat": args.repeat, "pyshacl_max": args.pyshacl_max, "rows": rows}
    publish(result, RESULTS, START, END, render(result))


if __name__ == "__main__":
    main(sys.argv[1:])
