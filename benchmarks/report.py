"""The benchmark tables in benchmarks/README.md, rebuilt from benchmarks/results/<scale>.json.

Only the part between the markers is replaced, so sections written by others stay. Each scale's
table is headed by the run that made it (commit, date, machine, versions: the ``run`` entry of its
results file); a results file without that entry comes from older code and is not shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from measure import WARM_UP
from provenance import NOISE, header, replace_section

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
    "kazan": "not analysed here; profile `twingraph build` to find where the time goes",
}  # fmt: skip


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
    """A table row; a failed measure shows as a lower bound with its reason (a timeout), or as its error alone."""
    cells = [(f"— ({why})" if v is None else f"> {fmt(v)} ({why})") if why else fmt(v)
             for v, why in zip(values, failed, strict=True)]  # fmt: skip
    ratios = [("< " if why and v is not None else "") + ratio(values[0], v)
              for v, why in zip(values[1:], failed[1:], strict=True)]  # fmt: skip
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


def answered_rps(stats: dict[str, float]) -> float | None:
    """Requests/s that got a 2xx answer: wrk counts an error answer (a 503, say) as a request served.

    >>> answered_rps({"rps": 500.0, "requests": 5000.0, "errors": 2000.0})
    300.0
    """
    if "rps" not in stats:
        return None
    requests, errors = stats.get("requests", 0.0), stats.get("errors", 0.0)
    return stats["rps"] * (1 - errors / requests) if requests else stats["rps"]


def http_verdict(ok: bool, stats: dict[str, float]) -> str:
    """Met, or missed with the reason: the failed requests when there were some, else the known cause."""
    if ok:
        return "met"
    if stats.get("errors"):
        return f"**missed**: {stats['errors']:,.0f} of {stats['requests']:,.0f} requests got a non-2xx answer"
    return verdict(False, "rps")


def http_rows(r: dict[str, Any]) -> list[str]:
    lines = []
    for kind, label in (("sparql", "/sparql small SELECT"), ("page", "resource page (peers: DESCRIBE)")):
        stats = [r[s].get("http", {}).get(kind, {}) for s in ("twingraph", "rdflib", "oxigraph")]
        rps = tuple(answered_rps(s) for s in stats)
        p99 = tuple(s.get("p99_ms") for s in stats)
        errors = [int(s.get("errors", 0)) for s in stats]
        note = f" (non-2xx answers: {errors[0]}/{errors[1]}/{errors[2]})" if any(errors) else ""
        if kind == "sparql":
            ok_rps = bool(rps[0] and rps[2] and rps[0] >= rps[2] / 2) and not errors[0]
            lines.append(row(f"HTTP {label}, 2xx answers/s at 16 connections{note}", rps,  # type: ignore[arg-type]
                             count, "≥ 0.5× Oxigraph", http_verdict(ok_rps, stats[0])))  # fmt: skip
            ok_p99 = bool(p99[0] and p99[0] < 100)
            lines.append(row(f"HTTP {label}, p99 (ms)", p99, lambda v: "—" if v is None else f"{v:,.1f}",  # type: ignore[arg-type]
                             "< 100 ms", http_verdict(ok_p99, stats[0])))  # fmt: skip
        else:
            lines.append(row(f"HTTP {label}, 2xx answers/s{note}", rps, lambda v: "—" if v is None else f"{v:,.0f}"))  # type: ignore[arg-type]
            lines.append(row(f"HTTP {label}, p99 (ms)", p99, lambda v: "—" if v is None else f"{v:,.1f}"))  # type: ignore[arg-type]
    return lines


def scale_table(r: dict[str, Any]) -> list[str]:
    """One scale's table: each measure for the three systems, the ratios and the target."""
    tg, rdf, oxi = r["twingraph"], r["rdflib"], r["oxigraph"]
    triples = tg["triples"]
    at_1m = triples >= 900_000
    # the target is at 1M triples: a smaller scale's estimate is shown, not counted as met
    shacl_ok = None if "shacl_s" not in tg or not at_1m else tg["shacl_s"] <= 30
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


def kazan_line(kazan: dict[str, float]) -> str:
    """The end-to-end build of the real dataset, measured in the same run."""
    return (f"Kazan dataset, `twingraph build` end to end: **{kazan['median_s']:.2f} s** (median of 3; "
            f"peak {kazan['peak_mib']:.0f} MiB); target < 3 s: {verdict(kazan['median_s'] < 3, 'kazan')}.")  # fmt: skip


def scale_section(result: dict[str, Any]) -> list[str]:
    """One scale: its heading, the run that made it, the Kazan build of that run and the table."""
    table = scale_table(result)
    return [table[0], "", *header(result["run"], f"results/{result['scale']}.json"), "",
            kazan_line(result["kazan"]), "", *table[2:], ""]  # fmt: skip


def render(results: list[dict[str, Any]], missing: list[str]) -> str:
    """The whole marked section: how to read the tables, one section per scale, and the scales not shown."""
    lines = [
        START, "## Benchmarks (benchmarks/run.py)", "",
        "Generated by `python benchmarks/run.py --scale SCALE`; do not edit by hand between the markers. "
        "Each table comes from one run, named above it.", "",
        NOISE + " Query times are p50/p95 over up to 20 runs (fewer when a query takes more than 30 s in all); "
        "twingraph's queries run in process on the embedded pyoxigraph store, rdflib's in process on an "
        "in-memory graph, Oxigraph's over HTTP against `oxigraph serve-read-only` (so they include a loopback "
        "round trip). HTTP figures are from wrk, 2 threads, 16 connections, on the same cores as the server, "
        f"each after {WARM_UP} s of the same load that is not measured (every system warmed alike). "
        "Ratios are twingraph ÷ peer: below 1 twingraph is faster (times), above 1 it serves more (requests/s). "
        "Answers/s count only 2xx answers. Peak memory is that of the largest single process of a system's "
        "process tree (from wait4), not the sum: twingraph's query worker processes are not added to its server's.",
        "",
    ]  # fmt: skip
    for result in results:
        lines += scale_section(result)
    if missing:
        commands = "; ".join(f"`python benchmarks/run.py --scale {s}`" for s in missing)
        lines += [f"Not shown: {', '.join(missing)}. No run of the current script at these scales (tables made by "
                  f"older code were removed). To produce them: {commands}.", ""]  # fmt: skip
    return "\n".join([*lines, END]) + "\n"


def current_results(results_dir: Path, order: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The results files that name their run, in scale order, and the scales that have none."""
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in results_dir.glob("*.json")}
    shown = [found[s] for s in order if s in found and "run" in found[s]]
    return shown, [s for s in order if s not in found or "run" not in found[s]]


def write_readme(readme: Path, results_dir: Path, order: list[str]) -> None:
    """Replace the marked section of the README (or append it), keeping everything else."""
    replace_section(readme, START, END, render(*current_results(results_dir, order)))


def rebuild_all(here: Path) -> None:
    """Every marked section of the README from the results files present (after copying some in, say)."""
    import build_speed
    import extract_speed
    import shacl_speed

    write_readme(here / "README.md", here / "results", ["10k", "100k", "1m"])
    for script in (build_speed, extract_speed, shacl_speed):
        if script.RESULTS.exists():
            result = json.loads(script.RESULTS.read_text(encoding="utf-8"))
            replace_section(here / "README.md", script.START, script.END, script.render(result))


if __name__ == "__main__":
    rebuild_all(Path(__file__).resolve().parent)
