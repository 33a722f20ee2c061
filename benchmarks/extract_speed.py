"""How long `twingraph extract` takes: loading the models, then extracting each page.

    python benchmarks/extract_speed.py [PAGE ...] [--repeat N]

The results go to benchmarks/results/extract.json, with the run that made them, and their
table replaces the marked section of benchmarks/README.md.
Targets (issue 3): model loading < 3 s, the Kazan page < 1.5 s once the models are loaded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from provenance import NOISE, header, publish, run_info

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "extract.json"
START, END = "<!-- benchmarks:extract_speed.py:start -->", "<!-- benchmarks:extract_speed.py:end -->"
PAGES = [
    ROOT / "data" / "sources" / "kzn-partner-cities-page4.txt",
    ROOT / "tests" / "fixtures" / "extract" / "sources" / "fictional-partner-cities.txt",
]
LOAD_TARGET_S, KAZAN_TARGET_S = 3.0, 1.5


def measure(pages: list[Path], repeat: int) -> dict[str, Any]:
    """The load time, then the median and minimum of ``repeat`` cold extractions of each page."""
    start = time.perf_counter()
    from twingraph.extract import extract_page, load_models  # the import is part of loading

    models = load_models()
    result: dict[str, Any] = {"load_s": time.perf_counter() - start, "repeat": repeat, "pages": []}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        times = []
        for _ in range(repeat):
            models.cache.clear()  # every run starts cold: no parse or NER result kept from the last
            t = time.perf_counter()
            extract_page(text, page.stem, models)
            times.append(time.perf_counter() - t)
        result["pages"].append({"page": page.name, "chars": len(text), "median_s": statistics.median(times),
                                "min_s": min(times)})  # fmt: skip
    return result


def status(seconds: float, target: float) -> str:
    """Whether a time meets its target.

    >>> status(1.2, 1.5), status(1.6, 1.5)
    ('met', '**missed**')
    """
    return "met" if seconds < target else "**missed**"


def render(result: dict[str, Any]) -> str:
    """The marked section of the README for one run."""
    load = result["load_s"]
    rows = [f"| load models (import + natasha + pymorphy3 + grammars) | {load:.2f} | {load:.2f} | < 3 s | "
            f"{status(load, LOAD_TARGET_S)} |"]  # fmt: skip
    for page in result["pages"]:
        kazan = page["page"].startswith("kzn")
        target = "< 1.5 s" if kazan else ""
        verdict = status(page["median_s"], KAZAN_TARGET_S) if kazan else ""
        rows.append(f"| extract {page['page']} ({page['chars']:,} chars) | {page['median_s']:.2f} | "
                    f"{page['min_s']:.2f} | {target} | {verdict} |")  # fmt: skip
    lines = [
        START, "## Extraction speed (benchmarks/extract_speed.py)", "",
        "`python benchmarks/extract_speed.py [PAGE ...] [--repeat N]`: the time to import the extractor and load "
        "its models (natasha's NER from its wheel, pymorphy3's dictionaries, the compiled yargy date grammar), "
        f"then the median of {result['repeat']} cold extractions of each page (the per-run caches are cleared "
        "between runs). Targets from issue 3: loading < 3 s, the Kazan page < 1.5 s.", "",
        *header(result["run"], "results/extract.json"), "", NOISE, "",
        "| step | median (s) | min (s) | target | status |", "|---|---:|---:|---|---|", *rows, "",
        "The extraction runs BLAS single-threaded (`threadpoolctl`): the NER's matrices are small, and "
        "OpenBLAS's threads only contend for the cores.",
    ]  # fmt: skip
    return "\n".join([*lines, END]) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", type=Path, default=[p for p in PAGES if p.exists()])
    parser.add_argument("--repeat", type=int, default=5, help="extractions per page (median reported)")
    args = parser.parse_args(argv)
    info = run_info("extract_speed.py", argv)
    result = {"run": info, **measure(args.pages, args.repeat)}
    publish(result, RESULTS, START, END, render(result))


if __name__ == "__main__":
    main(sys.argv[1:])
