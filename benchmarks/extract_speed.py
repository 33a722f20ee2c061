"""How long `twingraph extract` takes: loading the models, then extracting each page.

Run: python benchmarks/extract_speed.py [PAGE ...] [--repeat N]
Prints a Markdown table; the numbers go into benchmarks/README.md by hand (see the section there).
Targets (issue 3): model loading < 3 s, the Kazan page < 1.5 s once the models are loaded.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    ROOT / "data" / "sources" / "kzn-partner-cities-page4.txt",
    ROOT / "tests" / "fixtures" / "extract" / "sources" / "fictional-partner-cities.txt",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, default=[p for p in PAGES if p.exists()])
    parser.add_argument("--repeat", type=int, default=5, help="extractions per page (median reported)")
    args = parser.parse_args()

    start = time.perf_counter()
    from twingraph.extract import extract_page, load_models  # the import is part of loading

    models = load_models()
    load = time.perf_counter() - start

    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, load average {load_avg:.2f} at start")
    print()
    print("| step | median (s) | min (s) | target | status |")
    print("|---|---:|---:|---|---|")
    print(f"| load models (import + natasha + pymorphy3 + grammars) | {load:.2f} | {load:.2f} | < 3 s | "
          f"{'met' if load < 3 else '**missed**'} |")  # fmt: skip
    for page in args.pages:
        text = page.read_text(encoding="utf-8")
        times = []
        for _ in range(args.repeat):
            models.cache.clear()  # every run starts cold: no parse or NER result kept from the last
            t = time.perf_counter()
            extract_page(text, page.stem, models)
            times.append(time.perf_counter() - t)
        median = statistics.median(times)
        target = "< 1.5 s" if "kzn" in page.name else ""
        status = ("met" if median < 1.5 else "**missed**") if target else ""
        print(f"| extract {page.name} ({len(text):,} chars) | {median:.2f} | {min(times):.2f} | {target} | {status} |")


if __name__ == "__main__":
    main()
