"""The README tells the truth: its commands and options exist, its examples run, its numbers come from the build.

In the manner of sqlite-utils' tests/test_docs.py. An example that needs the internet says
so in its comment ("needs the internet") and is the only kind not run here.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rdflib import Graph

from running_stores import StartCommand, free_port
from twingraph.cli import main
from twingraph.pipeline import Built
from twingraph.rdf.namespaces import TG

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NEEDS_INTERNET = "needs the internet"
NEEDS_STORE = "needs a running store"  # run in the block that starts one
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LOCAL_PORT = re.compile(r"127\.0\.0\.1:(\d+)")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def split_comment(line: str) -> tuple[str, str]:
    """A shell line's command and its trailing comment; a # inside quotes is not a comment.

    >>> split_comment("twingraph query x -p a='b # c'   # the comment")
    ("twingraph query x -p a='b # c'", 'the comment')
    """
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip(), line[index + 1 :].strip()
    return line.rstrip(), ""


def blocks(text: str) -> list[list[tuple[str, str]]]:
    """The fenced code blocks as (command, comment) lines, backslash continuations joined."""
    found = []
    for match in FENCE.finditer(text):
        joined = match.group(1).replace("\\\n", " ")
        lines = [split_comment(line) for line in joined.splitlines() if line.strip()]
        found.append([(" ".join(cmd.split()), note) for cmd, note in lines if cmd])
    return found


def commands_of(line: str) -> list[str]:
    """The commands of a line joined with ``&&``, less a trailing ``&``."""
    return [part.strip().removesuffix("&").strip() for part in line.split("&&")]


def twingraph_lines(text: str) -> list[str]:
    return [c for block in blocks(text) for line, _ in block for c in commands_of(line) if c.startswith("twingraph")]


def option_names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The subcommand a README line names and the words after it; fails for an unknown one."""
    assert isinstance(main, click.Group)
    rest = words[1:]
    while rest and rest[0].startswith("-"):  # the group's own options come first
        rest = rest[2:] if "=" not in rest[0] else rest[1:]
    if not rest:
        return main, []
    command = main.commands.get(rest[0])
    assert command is not None, f"README names `twingraph {rest[0]}`, which does not exist"
    return command, rest[1:]


def test_every_command_and_option_in_the_readme_exists() -> None:
    lines = twingraph_lines(readme())
    assert len(lines) > 20, "the README's examples were not found"
    for line in lines:
        command, rest = resolve(shlex.split(line))
        known = option_names(command) | option_names(main) | {"--help"}
        for word in rest:
            if word.startswith("-") and word != "-":
                assert word.split("=")[0] in known, f"README: `{line}` uses {word}, which `{command.name}` lacks"


def test_every_option_named_in_the_prose_exists() -> None:
    every = option_names(main) | {n for c in main.commands.values() for n in option_names(c)}  # type: ignore[attr-defined]
    named = set(re.findall(r"`(--[a-z][a-z-]*)", readme()))
    assert named, "the README names no option"
    assert named <= every, f"options in the README that no command has: {sorted(named - every)}"


def test_only_examples_that_need_the_internet_are_left_unrun() -> None:
    unrun = [line for block in blocks(readme()) for line, note in block if NEEDS_INTERNET in note]
    assert unrun == ["twingraph link", "twingraph giveback"]


def test_an_example_that_needs_a_store_runs_in_the_block_that_starts_one() -> None:
    every = blocks(readme())
    waiting = [line for block in every for line, note in block if NEEDS_STORE in note]
    assert waiting, "the README's publish example is not marked"
    with_store = [[line for line, _ in block] for block in every if block[0][0].startswith("oxigraph serve")]
    assert all(any(line in block for block in with_store) for line in waiting)


# -- running the examples ---------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A checkout's worth of files for the examples: the data, the vocabulary and the test fixtures they name."""
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "tests" / "fixtures" / "extract", tmp_path / "tests" / "fixtures" / "extract")
    return tmp_path


Starter = StartCommand


class Examples:
    """Runs README lines in a working directory: twingraph in process, servers and curl as processes.

    Each loopback port a line names is moved to a free one, the same one for every line after.
    """

    def __init__(self, workdir: Path, stack: contextlib.ExitStack, start: Starter) -> None:
        self.workdir, self.stack, self.start = workdir, stack, start
        self.ports: dict[str, int] = {}
        self.runner = CliRunner()

    def local(self, text: str) -> str:
        return LOCAL_PORT.sub(lambda m: f"127.0.0.1:{self.ports.setdefault(m.group(1), free_port())}", text)

    def run(self, line: str) -> None:
        for command in commands_of(line):
            words = shlex.split(command)
            if words[0] == "pip":
                continue  # the install is what CI itself runs
            if words[1:2] == ["serve"] and words[0] in ("twingraph", "oxigraph"):
                self.serve(words)
                continue
            words = shlex.split(self.local(command))
            if words[0] == "curl":
                # --retry: a busy server may answer 429/503 with Retry-After, which curl then honours
                done = subprocess.run(["curl", "--silent", "--fail", "--retry", "5", *words[1:]], capture_output=True,
                                      timeout=120)  # fmt: skip
                assert done.returncode == 0 and done.stdout, f"`{command}` failed: {done.stderr!r}"
            else:
                assert words[0] == "twingraph", f"README example of an unknown program: {command}"
                result = self.runner.invoke(main, words[1:])
                assert result.exit_code == 0, f"`{command}` exited {result.exit_code}: {result.output}"

    def serve(self, words: list[str]) -> None:
        """Start a server the README starts, on a free port, and remember which port it stands for."""
        stands_for, argv = self.server_command(words)
        url = self.stack.enter_context(self.start(argv, cwd=self.workdir))
        self.ports[stands_for] = int(url.rsplit(":", 1)[1])

    def server_command(self, words: list[str]) -> tuple[str, Callable[[int], list[str]]]:
        """The README port a server line stands for, and its command line for a given port."""
        if words[0] == "twingraph":
            rest = shlex.split(self.local(shlex.join(words[1:])))

            def twingraph(port: int) -> list[str]:
                return [sys.executable, "-m", "twingraph", *rest, "--port", str(port), "--no-watch"]

            return "8000", twingraph
        binary = shutil.which("oxigraph")
        assert binary, "the oxigraph command is missing: pip install -e '.[dev]'"
        bind = words.index("--bind") + 1

        def oxigraph(port: int) -> list[str]:
            return [binary, *words[1:bind], f"127.0.0.1:{port}", *words[bind + 1 :]]

        return words[bind].rsplit(":", 1)[1], oxigraph


@pytest.fixture
def examples(workdir: Path, monkeypatch: pytest.MonkeyPatch, start_command: Starter) -> Iterator[Examples]:
    monkeypatch.chdir(workdir)
    with contextlib.ExitStack() as stack:
        yield Examples(workdir, stack, start_command)


def runnable(block: list[tuple[str, str]]) -> list[str]:
    """A block's lines as the tests run them: not the test run itself, and a server first for curl."""
    skipped = (NEEDS_INTERNET, NEEDS_STORE)
    lines = [line.replace(" && python -m pytest", "") for line, note in block if not any(s in note for s in skipped)]
    starts = any("serve" in line.split() for line in lines)
    return ["twingraph serve", *lines] if any(line.startswith("curl") for line in lines) and not starts else lines


BLOCKS = blocks(readme())


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[block[0][0][:40] for block in BLOCKS])
def test_every_example_block_runs(index: int, examples: Examples) -> None:
    for line in runnable(BLOCKS[index]):
        examples.run(line)


def test_the_first_command_is_install_then_serve_and_the_second_runs_the_tests() -> None:
    first, second = (block[0][0] for block in blocks(readme())[:2])
    assert first == "pip install . && twingraph serve"
    assert second == "pip install -e '.[dev]' && python -m pytest"
    assert second in (ROOT / ".ci" / "run").read_text(encoding="utf-8"), ".ci/run runs the README's test command"


# -- numbers --------------------------------------------------------------------------------------------


def stated(pattern: str) -> int:
    """The number the README states where ``pattern`` (with one group) matches."""
    match = re.search(pattern, readme().replace("\n", " "))
    assert match, f"the README no longer says {pattern!r}"
    return int(match.group(1).replace(",", ""))


def meetings_and_pairs(graph: Graph) -> tuple[int, int]:
    meetings = set(graph.subjects(predicate=None, object=TG.Meeting))
    pairs = {frozenset((graph.value(m, TG.firstPerson), graph.value(m, TG.secondPerson))) for m in meetings}
    return len(meetings), len(pairs)


def test_the_headline_numbers_are_the_builds(built: Built, graph: Graph) -> None:
    counts = built.counts
    meetings, pairs = meetings_and_pairs(graph)
    assert stated(r"It has (\d+) partner cities") == counts["partner cities"]
    assert stated(r"(\d+) agreements and \d+ dated events") == counts["agreements"]
    assert stated(r"(\d+) dated events") == counts["events"]
    assert stated(r"connect (\d+) persons") == counts["persons"]
    assert stated(r"in (\d+) meetings") == meetings
    assert stated(r"(\d+) distinct pairs") == pairs
    assert stated(r"and (\d+) organizations") == counts["organizations"]
    assert stated(r"([\d,]+) triples in all") == counts["triples"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "page, records",
    [
        ("data/sources/kzn-partner-cities-page4.txt", None),
        ("tests/fixtures/extract/sources/fictional-partner-cities.txt", "tests/fixtures/extract/records"),
    ],
)
def test_the_score_tables_are_what_score_prints(page: str, records: str | None, runner: CliRunner) -> None:
    args = ["score", str(ROOT / page), *(["-r", str(ROOT / records)] if records else [])]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    table = result.stdout.strip()
    assert table.startswith("| group |")
    assert table in readme(), f"the README's score table for {page} is not what `twingraph score` prints"


def score_rows(table: str) -> dict[str, list[str]]:
    """The rows of a `twingraph score` table: group -> precision, recall, F1, found / gold."""
    rows = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


BLIND_TABLES = [  # folder, page, the blind run's file, the README table's first header cell
    ("blind", "blind-partner-cities", "first-run.txt", "first run (blind)"),
    ("blind4", "second-blind-partner-cities", "second-run.txt", "first run (blind, after the crash fix)"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "page", "run", "heading"), BLIND_TABLES)
def test_a_blind_page_table_is_its_blind_run_and_what_score_prints_now(runner: CliRunner, folder: str, page: str,
                                                                      run: str, heading: str) -> None:  # fmt: skip
    blind = ROOT / "tests" / "fixtures" / "extract" / folder
    result = runner.invoke(main, ["score", str(blind / "sources" / f"{page}.txt"), "-r", str(blind / "records")])
    assert result.exit_code == 0, result.output
    first, now = score_rows((blind / run).read_text(encoding="utf-8")), score_rows(result.stdout)
    start = readme().index(f"| group | {heading}: P / R / F1 |")
    stated = score_rows(readme()[start : readme().index("\n\n", start)])
    assert stated.keys() == first.keys() == now.keys()
    for group, (was, after, found) in stated.items():
        assert was == " / ".join(first[group][:3]) and after == " / ".join(now[group][:3]), group
        assert found == now[group][3], group


def limits_table() -> dict[str, str]:
    """The rows of the README's table of limits: what -> limit."""
    text = section_text("### Safety and limits")
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    return {what.strip(): limit.strip() for what, limit, _ in rows[1:]}


def section_text(heading: str) -> str:
    text = readme()
    start = text.index(f"\n{heading}\n")
    return text[start : text.index("\n#", start + len(heading) + 2)]


def test_the_readme_states_the_scan_verdict_and_priority_of_the_code() -> None:
    from twingraph.rdf.query_guard import VERDICTS_BUDGET
    from twingraph.serve.evaluator import INLINE_SCAN
    from twingraph.store.workers import NICENESS

    text = " ".join(readme().split())
    assert f"at a CPU priority {NICENESS} below the server's (`nice`)" in text
    assert f"off the event loop when it is longer than {INLINE_SCAN:,} characters" in text
    assert f"(up to {VERDICTS_BUDGET:,} characters of text)" in text


def test_the_limits_the_readme_states_are_the_codes() -> None:
    from twingraph.config import DEFAULT_LIMITS as LIMITS
    from twingraph.config import Settings
    from twingraph.rdf import query_text
    from twingraph.serve import listener
    from twingraph.serve.app import BODY_LIMIT, create_app

    limits = limits_table()
    defaults = Settings(root=ROOT)
    assert limits["request body"] == f"{BODY_LIMIT // 1024} KiB"
    assert limits["a request arriving"].startswith(f"whole within {listener.REQUEST_DEADLINE:g} s")
    assert limits["a request's line and headers"] == f"{listener.HEADER_LIMIT // 1024} KiB"
    assert limits["connections at once"].startswith(f"the open-file limit less {listener.FILES_KEPT}")
    assert limits["query text"] == f"{query_text.MAX_LENGTH // 1024} KiB"
    assert limits["brackets `{ ( [` nested"] == f"{query_text.MAX_DEPTH} deep"
    assert limits["a number"] == f"{query_text.MAX_NUMBER} characters"
    assert inspect.signature(create_app).parameters["limits"].default == LIMITS
    assert limits["queries running at once"] == f"{LIMITS.workers} worker processes (`serve --workers`)"
    assert limits["queries one client runs at once"].startswith(f"{LIMITS.client_share()}, half the workers")
    assert limits["queries one client has waiting"].startswith(f"{LIMITS.client_queue()}, a quarter of the queue")
    assert limits["queries waiting for a worker"].startswith(
        f"{LIMITS.queue_limit}, each for at most {LIMITS.queue_wait:g} s"
    )
    assert limits["time"].startswith(f"{defaults.query_timeout:g} s")
    assert limits["memory a query may take"].startswith(f"{LIMITS.query_memory:,} MiB beyond the data")
    assert limits["a page's queries"] == f"the same workers, one {defaults.query_timeout:g} s deadline for the page"
    assert limits["rows or triples"].startswith(f"{defaults.row_limit:,} ")


def test_the_input_bounds_the_readme_states_are_the_codes() -> None:
    from twingraph import yamltext
    from twingraph.extract import text

    prose = " ".join(section_text("### Safety and limits").split())
    assert f"YAML nested deeper than {yamltext.MAX_DEPTH} levels" in prose
    assert f"HTML nested deeper than {text.DEPTH_LIMIT} are refused" in prose


def table_median(table: str, row_start: str) -> str:
    """The first figure of the row of a benchmarks table that starts with ``row_start``."""
    row = next(line for line in table.splitlines() if line.startswith(f"| {row_start}"))
    return row.split("|")[2].strip()


def test_the_extraction_speed_quoted_is_the_benchmark_tables() -> None:
    quoted = re.search(r"loading the models took ([\d.]+) s and extracting the Kazan page ([\d.]+) s",
                       " ".join(readme().split()))  # fmt: skip
    assert quoted, "the README no longer quotes the extraction speed"
    table = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    assert quoted.group(1) == table_median(table, "load models")
    assert quoted.group(2) == table_median(table, "extract kzn-partner-cities-page4.txt")


def test_the_virtuoso_limits_the_readme_compares_with_are_debians() -> None:
    """The README quotes the virtuoso.ini of Debian's package; CI installs it, so the quote is checked there."""
    inis = sorted(Path("/etc").glob("virtuoso-opensource-*/virtuoso.ini"))
    if not inis:
        if os.environ.get("TWINGRAPH_REQUIRE_VIRTUOSO"):
            pytest.fail("Debian's virtuoso-opensource is not installed")
        pytest.skip("Debian's virtuoso-opensource is not installed")
    settings = dict(re.findall(r"^(\w+)\s*=\s*(\d+)", inis[0].read_text(), re.MULTILINE))
    text = section_text("### Safety and limits")
    for name in ("MaxQueryExecutionTime", "ResultSetMaxRows"):
        assert f"`{name} = {settings[name]}`" in text, name
