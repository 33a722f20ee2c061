"""benchmarks/README.md says only what one run of one script measured, at a stated commit.

Each marked section is written by a script; each table in it is headed by the run that made it
(commit, date, machine, versions) and names the results file holding its figures. The tests
rebuild every section from its results file and compare, so a figure edited by hand, or kept
from older code under a newer header, fails here.
"""

from __future__ import annotations

import doctest
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
README = BENCH / "README.md"
SECTION = re.compile(r"<!-- benchmarks:(?P<script>[\w.]+):start -->\n(?P<body>.*?)<!-- benchmarks:(?P=script):end -->",
                     re.DOTALL)  # fmt: skip
RUN = re.compile(r"^- Run: commit `(?P<commit>[0-9a-f]{7,40})`(?P<dirty> \+ uncommitted changes to [^`]*?)?, "
                 r"(?P<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC), `(?P<command>python benchmarks/[^`]+)` -> "
                 r"`(?P<results>results/[\w.]+\.json)`$", re.MULTILINE)  # fmt: skip
# a measured figure: a number with a unit of time, memory or speed-up
FIGURE = re.compile(r"\d[\d,.]*\s?(?:s|ms|MiB|GiB|×|k triples/s)(?![\w-])")


def sections() -> dict[str, str]:
    return {m["script"]: m["body"] for m in SECTION.finditer(README.read_text(encoding="utf-8"))}


def results(name: str) -> dict[str, Any]:
    return json.loads((BENCH / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The benchmark scripts as modules (they import each other by their file names)."""
    monkeypatch.syspath_prepend(str(BENCH))

    def load(name: str) -> ModuleType:
        return importlib.import_module(name)

    return load


SCRIPTS = ["run.py", "shacl_speed.py", "build_speed.py", "extract_speed.py", "hostile.py", "worker_memory.py"]


def test_every_script_that_writes_the_readme_has_a_section() -> None:
    assert set(sections()) == set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_table_is_headed_by_its_run(script: str) -> None:
    body = sections()[script]
    tables = list(re.finditer(r"^\|.*\|$\n^\|[-:| ]+\|$", body, re.MULTILINE))
    assert tables, f"{script}: no table"
    for table in tables:
        before = body[: table.start()]
        run = list(RUN.finditer(before))
        assert run, f"{script}: a table without a run header above it"
        after_run = before[run[-1].end() :]
        assert re.search(r"^- Machine: .+ cores .+; load average [\d.]+ at the start$", after_run, re.MULTILINE)
        assert re.search(r"^- Versions: Python \d+\.\d+\.\d+, twingraph ", after_run, re.MULTILINE)
        assert script in run[-1]["command"]


def test_every_run_header_agrees_with_its_results_file() -> None:
    cited = set()
    for script, body in sections().items():
        for run in RUN.finditer(body):
            path = BENCH / run["results"]
            assert path.exists(), f"{script} cites {run['results']}, which is missing"
            info = results(run["results"])["run"]
            assert (info["commit"], info["date"], info["command"]) == (run["commit"], run["date"], run["command"])
            assert bool(info["dirty"]) == bool(run["dirty"]), "the header says whether the tree was dirty"
            cited.add(path.name)
    on_disk = {p.name for p in (BENCH / "results").glob("*.json")}
    cited |= {Path(run["results"]).name for run in RELIABILITY_RUN.finditer(reliability_section())}
    assert on_disk == cited, "a results file no table shows is from older code or another run: remove it"


def test_the_run_py_section_is_what_report_py_makes_of_the_results(bench: Any) -> None:
    report, run = bench("report"), bench("run")
    shown, missing = report.current_results(BENCH / "results", list(run.SCALES))
    assert sections()["run.py"] + report.END + "\n" == report.render(shown, missing).split(report.START + "\n", 1)[1]
    for result in shown:
        assert f"### {result['scale']}: {result['twingraph']['triples']:,} triples" in sections()["run.py"]
    for scale in missing:
        assert f"`python benchmarks/run.py --scale {scale}`" in sections()["run.py"], "say how to produce it"


@pytest.mark.parametrize("script", ["shacl_speed", "build_speed", "extract_speed", "hostile"])
def test_the_other_sections_are_what_their_script_makes_of_the_results(bench: Any, script: str) -> None:
    module = bench(script)
    if not module.RESULTS.exists():
        pytest.fail(f"benchmarks/results/{module.RESULTS.name} is missing: run python benchmarks/{script}.py")
    rendered = module.render(json.loads(module.RESULTS.read_text(encoding="utf-8")))
    assert sections()[f"{script}.py"] + module.END + "\n" == rendered.split(module.START + "\n", 1)[1]


def test_no_figure_stands_outside_the_generated_sections() -> None:
    text = SECTION.sub("", README.read_text(encoding="utf-8"))
    assert FIGURE.findall(text) == [], "a figure no script writes: give it a script or remove it"


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def target_rows(body: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Each table row of a section that states a target: its line and its cells by column."""
    columns: list[str] = []
    for line in body.splitlines():
        if not line.startswith("|"):
            columns = []
        elif not columns:
            columns = cells(line)
        elif "target" in columns and not set(line) <= set("|-: "):
            row = dict(zip(columns, cells(line), strict=True))
            if row["target"]:
                yield line, row


def test_a_row_with_a_target_says_whether_it_was_met() -> None:
    rows = [each for body in sections().values() for each in target_rows(body)]
    for line, row in rows:
        assert row["status"].startswith(("met", "**missed**", "target is at")), line
    assert rows, "no table states a target"


@pytest.mark.parametrize(
    "script", ["provenance", "report", "run", "measure", "shacl_speed", "build_speed", "extract_speed", "hostile"]
)
def test_the_benchmark_helpers_examples_hold(bench: Any, script: str) -> None:
    outcome = doctest.testmod(bench(script))
    assert outcome.attempted and outcome.failed == 0


# -- RELIABILITY.md: one section, written by benchmarks/reliability.py, checked the same way ----------

RELIABILITY = ROOT / "RELIABILITY.md"
RELIABILITY_RUN = re.compile(
    r"^- Run: commit `(?P<commit>[0-9a-f]{7,40})`(?P<dirty> \+ uncommitted changes to [^`]*?)?, "
    r"(?P<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC), `(?P<command>python benchmarks/reliability\.py[^`]*)` -> "
    r"`benchmarks/(?P<results>results/reliability\.json)`$",
    re.MULTILINE,
)


def reliability_section() -> str:
    found = {m["script"]: m["body"] for m in SECTION.finditer(RELIABILITY.read_text(encoding="utf-8"))}
    assert set(found) == {"reliability.py"}, "RELIABILITY.md has one marked section, benchmarks/reliability.py's"
    return found["reliability.py"]


def reliability_runs() -> list[dict[str, Any]]:
    """The runs of benchmarks/results/reliability.json: one per scale measured, and the faults' run."""
    result = results("results/reliability.json")
    return [*(scale["run"] for scale in result.get("scales", {}).values()), *([result["faults"]["run"]]
            if "faults" in result else [])]  # fmt: skip


def test_every_reliability_table_is_headed_by_its_run() -> None:
    body = reliability_section()
    tables = list(re.finditer(r"^\|.*\|$\n^\|[-:| ]+\|$", body, re.MULTILINE))
    assert tables, "RELIABILITY.md: no table"
    for table in tables:
        before = body[: table.start()]
        run = list(RELIABILITY_RUN.finditer(before))
        assert run, "RELIABILITY.md: a table without a run header above it"
        after_run = before[run[-1].end() :]
        assert re.search(r"^- Machine: .+ cores .+; load average [\d.]+ at the start$", after_run, re.MULTILINE)
        assert re.search(r"^- Versions: Python \d+\.\d+\.\d+, twingraph ", after_run, re.MULTILINE)


def test_every_reliability_run_header_is_a_run_of_its_results_file() -> None:
    runs = {(info["commit"], info["date"], info["command"], bool(info["dirty"])) for info in reliability_runs()}
    headers = list(RELIABILITY_RUN.finditer(reliability_section()))
    assert headers
    for run in headers:
        assert (run["commit"], run["date"], run["command"], bool(run["dirty"])) in runs, run.group(0)


def test_the_reliability_section_is_what_reliability_py_makes_of_the_results(bench: Any) -> None:
    module = bench("reliability")
    if not module.RESULTS.exists():
        pytest.fail("benchmarks/results/reliability.json is missing: run python benchmarks/reliability.py")
    rendered = module.render(json.loads(module.RESULTS.read_text(encoding="utf-8")))
    assert reliability_section() + module.END + "\n" == rendered.split(module.START + "\n", 1)[1]
    for scale in module.SHOWN:
        assert f"### {scale}: " in reliability_section(), f"say how {scale} was measured, or how to measure it"


def test_no_figure_in_reliability_md_stands_outside_its_section() -> None:
    text = SECTION.sub("", RELIABILITY.read_text(encoding="utf-8"))
    assert FIGURE.findall(text) == [], "a figure no script writes: give it a script or remove it"


def test_a_reliability_row_with_a_target_says_whether_it_was_met() -> None:
    rows = list(target_rows(reliability_section()))
    for line, row in rows:
        assert row["status"].startswith(("met", "**missed**")), line
    assert rows, "no table states a target"


def test_the_reliability_script_examples_hold(bench: Any) -> None:
    outcome = doctest.testmod(bench("reliability"))
    assert outcome.attempted and outcome.failed == 0
