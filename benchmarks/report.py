"""The benchmark table in benchmarks/README.md, rebuilt from benchmarks/results/*.json.

Only the part between the markers is replaced, so sections written by others stay.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

START, END = "<!-- benchmarks:run.py:start -->", "<!-- benchmarks:run.py:end -->"
QUERIES = ("who-met-whom (LIMIT 100)", "who-met-whom, one person", "city timeline", "events per year", "small SELECT")
# Why a target is missed and what would close it; shown beside a missed target.
REASONS = {
    "shacl": "pySHACL evaluates each shape in Python over rdflib; close it with the shapes compiled to SPARQL "
             "and run on pyoxigraph (or a Rust validator), cross-checked against pySHACL",
    "who-met-whom (LIMIT 100)": "ORDER BY makes Oxigraph build every meeting's row (about 20 index look-ups "
                                "each) before it sorts, as it has no top-k and cannot join after sorting; close it "
                                "with a listing paged by tg:sortKey in a subquery, or an engine that does",
    "who-met-whom, one person": "the name search scans every person's skos:prefLabel; close it with a "
                                "full-text index",
    "load": "pyoxigraph's in-memory bulk load against the CLI's on-disk load",
    "rps": "one uvicorn worker and Python per request on 2 cores shared with the load generator",
    "kazan": "pySHACL and the JSON-LD/Turtle dumps dominate; a compiled validator and writing only N-Triples "
             "before serving would close it",
}  # fmt: skip


def tool_version(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not found"


def environment() -> str:
    """Versions, machine and date of the run."""
    packages = ("twingraph", "rdflib", "pyoxigraph", "pyshacl", "rdflib-endpoint", "uvicorn", "starlette")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in packages if _installed(p))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"Run {datetime.date.today().isoformat()} on {platform.node() or 'a machine'}: {os.cpu_count()} cores "
            f"({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}; "
            f"{versions}; {tool_version(['oxigraph', '--version'])}; "
            f"{tool_version(['wrk', '--version'])}.")  # fmt: skip


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.1f}" if seconds >= 0.01 else f"{seconds * 1000:.3f}"


def sec(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:,.2f}"


def ratio(ours: float | None, peer: float | None) -> str:
    return "—" if not ours or not peer else f"{ours / peer:.2g}×"


def verdict(ok: bool | None, reason: str) -> str:
    if ok is None:
        return "target is at 1M triples"
    return "met" if ok else f"**missed**: {REASONS[reason]}"


def row(label: str, values: tuple[float | None, float | None, float | None], fmt: Any, target: str = "",
        status: str = "", failed: tuple[str, str, str] = ("", "", "")) -> str:  # fmt: skip
    """A table row; a failed measure (a timeout, say) shows as a lower bound with its reason."""
    cells = [f"> {fmt(v)} ({why})" if why else fmt(v) for v, why in zip(values, failed, strict=True)]
    ratios = [("< " if why else "") + ratio(values[0], v) for v, why in zip(values[1:], failed[1:], strict=True)]
    return f"| {label} | {' | '.join(cells)} | {' | '.join(ratios)} | {target} | {status} |"


def query_rows(r: dict[str, Any], at_1m: bool) -> list[str]:
    lines = []
    targets = {"who-met-whom (LIMIT 100)": 0.2, "who-met-whom, one person": 0.02}
    for name in QUERIES:
        got = [r[s]["queries"].get(name) for s in ("twingraph", "rdflib", "oxigraph")]
        for stat in ("p50", "p95"):
            values = tuple(g[stat] if g else None for g in got)
            limit = targets.get(name) if stat == "p50" else None
            ok = None if limit is None or not at_1m else values[0] is not None and values[0] < limit
            target = f"< {limit * 1000:g} ms at 1M" if limit else ""
            failed = tuple(g.get("failed", "") if g else "" for g in got)
            lines.append(row(f"query {name}, {stat} (ms)", values, ms, target,  # type: ignore[arg-type]
                             verdict(ok, name) if limit else "", failed))  # fmt: skip
    return lines


def http_rows(r: dict[str, Any]) -> list[str]:
    lines = []
    for kind, label in (("sparql", "/sparql small SELECT"), ("page", "resource page (peers: DESCRIBE)")):
        stats = [r[s].get("http", {}).get(kind, {}) for s in ("twingraph", "rdflib", "oxigraph")]
        rps = tuple(s.get("rps") for s in stats)
        p99 = tuple(s.get("p99_ms") for s in stats)
        errors = [int(s.get("errors", 0)) for s in stats]
        note = f" (errors: {errors[0]}/{errors[1]}/{errors[2]})" if any(errors) else ""
        if kind == "sparql":
            ok_rps = bool(rps[0] and rps[2] and rps[0] >= rps[2] / 2)
            lines.append(row(f"HTTP {label}, requests/s at 16 connections{note}", rps,  # type: ignore[arg-type]
                             count, "≥ 0.5× Oxigraph", verdict(ok_rps, "rps")))  # fmt: skip
            ok_p99 = bool(p99[0] and p99[0] < 100)
            lines.append(row(f"HTTP {label}, p99 (ms)", p99, lambda v: "—" if v is None else f"{v:,.1f}",  # type: ignore[arg-type]
                             "< 100 ms", verdict(ok_p99, "rps")))  # fmt: skip
        else:
            lines.append(row(f"HTTP {label}, requests/s{note}", rps, lambda v: "—" if v is None else f"{v:,.0f}"))  # type: ignore[arg-type]
            lines.append(row(f"HTTP {label}, p99 (ms)", p99, lambda v: "—" if v is None else f"{v:,.1f}"))  # type: ignore[arg-type]
    return lines


def scale_table(r: dict[str, Any]) -> list[str]:
    """One scale's table: each measure for the three systems, the ratios and the target."""
    tg, rdf, oxi = r["twingraph"], r["rdflib"], r["oxigraph"]
    triples = tg["triples"]
    at_1m = triples >= 900_000
    shacl_ok = None if "shacl_s" not in tg else tg["shacl_s"] * 1_000_000 / triples <= 30
    shacl_note = f"est. {tg['shacl_s'] * 1_000_000 / triples:,.0f} s at 1M if linear" if "shacl_s" in tg else "skipped"
    # results from before the compiled validator timed pySHACL as twingraph's engine
    compiled = tg.get("shacl_engine") == "oxigraph"
    shacl_label = ("SHACL validation (s; twingraph: shapes compiled to SPARQL on pyoxigraph; rdflib: pySHACL)"
                   if compiled else "SHACL validation (s; twingraph uses pySHACL)")  # fmt: skip
    shacl_peer = tg.get("pyshacl_s") if compiled else tg.get("shacl_s")
    lines = [
        f"### {r['scale']}: {triples:,} triples ({r['cities']} synthetic partner cities)", "",
        "| measure | twingraph | rdflib | Oxigraph server | twingraph ÷ rdflib | twingraph ÷ Oxigraph "
        "| target | status |",
        "|---|---:|---:|---:|---:|---:|---|---|",
        row("build: records → graph (s)", (tg["build_s"], None, None), sec),
        row(shacl_label, (tg.get("shacl_s"), shacl_peer, None), sec,
            "1M in ≤ 30 s", f"{verdict(shacl_ok, 'shacl')} ({shacl_note})"),
        row("write dumps: N-Triples, Turtle, JSON-LD (s)", (tg["dumps_s"], None, None), sec),
        row("load into the store (s; rdflib: parse)", (tg["load_s"], rdf["load_s"], oxi["load_s"]), sec,
            "≤ 1.3× `oxigraph load`", verdict(tg["load_s"] <= 1.3 * oxi["load_s"], "load")),
        row("load rate (k triples/s)", tuple(triples / s / 1000 for s in (tg["load_s"], rdf["load_s"], oxi["load_s"])),
            lambda v: "—" if v is None else f"{v:,.0f}"),
        *query_rows(r, at_1m),
        *http_rows(r),
        row("peak memory, build + queries process (MiB; Oxigraph: load)", (tg["peak_mib"], rdf["peak_mib"],
            oxi["load_peak_mib"]), lambda v: "—" if v is None else f"{v:,.0f}"),
        row("peak memory, HTTP server (MiB)", (tg.get("server_peak_mib"), rdf.get("server_peak_mib"),
            oxi.get("server_peak_mib")), lambda v: "—" if v is None else f"{v:,.0f}"),
    ]  # fmt: skip
    return lines


def render(results: list[dict[str, Any]]) -> str:
    kazan = results[-1]["kazan"]
    lines = [
        START, "## Benchmarks (benchmarks/run.py)", "",
        "Generated by `python benchmarks/run.py --scale ...`; do not edit by hand between the markers.",
        environment(), "",
        "**These figures are noisy**: the machine was shared with other work during the run; they will be "
        "regenerated on a quiet machine. Query times are p50/p95 over up to 20 runs (fewer when a query takes "
        "more than 30 s in all); twingraph's queries run in process on the embedded pyoxigraph store, rdflib's "
        "in process on an in-memory graph, Oxigraph's over HTTP against `oxigraph serve-read-only` (so they "
        "include a loopback round trip). HTTP figures are from wrk, 2 threads, 16 connections, on the same "
        "2 cores as the server. Ratios are twingraph ÷ peer: below 1 twingraph is faster (times), above 1 it "
        "serves more (requests/s).", "",
        f"Kazan dataset, `twingraph build` end to end: **{kazan['median_s']:.2f} s** (median of 3; "
        f"peak {kazan['peak_mib']:.0f} MiB); target < 3 s: "
        f"{verdict(kazan['median_s'] < 3, 'kazan')}.", "",
    ]  # fmt: skip
    for result in results:
        lines += [*scale_table(result), ""]
    return "\n".join([*lines, END]) + "\n"


def write_readme(readme: Path, results_dir: Path, order: list[str]) -> None:
    """Replace the marked section of the README (or append it), keeping everything else."""
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in results_dir.glob("*.json")}
    results = [found[s] for s in order if s in found]
    section = render(results)
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")
