"""The command line, run the way a user runs it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import twingraph
import twingraph.store
from twingraph.cli import main
from twingraph.config import Settings


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project)
    return project


def count(output: str, name: str) -> int:
    match = re.search(rf"^\s*(\d+)\s+{name}$", output, flags=re.MULTILINE)
    assert match, output
    return int(match.group(1))


def test_build_reports_counts_and_writes_dist(runner: CliRunner, in_project: Path) -> None:
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert count(result.stdout, "partner cities") == 10
    assert count(result.stdout, "agreements") == 11
    assert count(result.stdout, "events") == 128
    assert count(result.stdout, "persons") == 51
    assert count(result.stdout, "organizations") == 56
    assert count(result.stdout, "triples") == 7710
    assert "SHACL: conforms" in result.stdout
    assert (in_project / "dist" / "twingraph.ttl").exists()


def test_validate_is_clean(runner: CliRunner, in_project: Path) -> None:
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "no violations" in result.stdout


def test_validate_names_the_record_file_of_a_violation(runner: CliRunner, in_project: Path) -> None:
    path = in_project / "data" / "records" / "urbino.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("year: 2001", "year: 9999", 1), encoding="utf-8")
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 1
    line = text.splitlines().index("  - id: urbino-cooperation-2001") + 1
    assert re.search(rf"data/records/urbino\.yaml:{line}: \S+/agreement/urbino-cooperation-2001: .*dated in the "
                     r"future \(value: 9999\) \[shacl\.\w+\]$", result.stdout, re.MULTILINE), result.stdout  # fmt: skip


def test_a_shacl_violation_fails_the_build_and_leaves_dist_as_it_was(runner: CliRunner, in_project: Path) -> None:
    """SHACL runs beside the JSON-LD compaction into dist/'s staging directory: a violation drops that directory."""
    assert runner.invoke(main, ["build"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (in_project / "dist").iterdir()}
    path = in_project / "data" / "records" / "urbino.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("year: 2001", "year: 9999", 1), encoding="utf-8")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert re.search(r"data/records/urbino\.yaml:\d+: .*dated in the future", result.output), result.output
    assert {p.name: p.read_bytes() for p in (in_project / "dist").iterdir()} == before
    assert not [p for p in in_project.iterdir() if p.name.startswith(".dist")]


def test_a_corrupted_record_fails_and_writes_nothing(runner: CliRunner, in_project: Path) -> None:
    assert runner.invoke(main, ["build"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (in_project / "dist").iterdir()}
    path = in_project / "data" / "records" / "harare.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("start:"))
    lines[index] = lines[index].split(":")[0] + ': "2025-31-01"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert re.search(rf"harare\.yaml:{index + 1}: events\.\d+\.start", result.output), result.output
    assert "nothing was built" in result.output
    assert {p.name: p.read_bytes() for p in (in_project / "dist").iterdir()} == before
    assert not [p for p in in_project.iterdir() if p.name.startswith(".dist")]


def test_query_who_met_whom_as_csv(runner: CliRunner, in_project: Path) -> None:
    result = runner.invoke(main, ["query", "who-met-whom", "--param", "person=Метшин", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.startswith("date,person1,roles1,person2,roles2,eventName,place")
    assert any(r.startswith("2023-05-25,Ильсур Метшин,Мэр г.Казани,Хамидреза Голамзаде") for r in rows)


def test_query_errors_say_what_to_do(runner: CliRunner, in_project: Path) -> None:
    unknown = runner.invoke(main, ["query", "who-met"])
    assert unknown.exit_code == 2 and "known: " in unknown.output
    bad = runner.invoke(main, ["query", "who-met-whom", "-p", "year"])
    assert bad.exit_code == 2 and "key=value" in bad.output
    listing = runner.invoke(main, ["query"])
    assert "who-met-whom" in listing.stdout and "[person=<text>]" in listing.stdout


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "ntriples", "trig", "rdfxml", "csv"])
def test_export_each_format(runner: CliRunner, in_project: Path, fmt: str) -> None:
    out = in_project / f"out.{fmt}"
    result = runner.invoke(main, ["export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000


def test_a_failed_export_keeps_the_old_file(runner: CliRunner, in_project: Path) -> None:
    out = in_project / "kazan.ttl"
    out.write_text("the user's file", encoding="utf-8")
    (in_project / "data" / "records" / "hebron.yaml").write_text("source: [", encoding="utf-8")
    result = runner.invoke(main, ["export", "-o", str(out)])
    assert result.exit_code == 1
    assert "hebron.yaml:1: not valid YAML" in result.output
    assert out.read_text(encoding="utf-8") == "the user's file"
    assert [p.name for p in in_project.glob(".kazan.ttl*")] == []


def test_the_installed_command_has_help_with_examples() -> None:
    for args in ([], ["build"], ["query"], ["export"], ["validate"]):
        done = subprocess.run(
            [sys.executable, "-m", "twingraph", *args, "--help"], capture_output=True, text=True, check=True
        )
        assert "Example" in done.stdout, args


def test_public_api_is_pinned() -> None:
    assert twingraph.__all__ == [
        "Built", "InvalidGraphError", "RecordsError", "Report", "Settings", "TwingraphError", "build",
        "default_settings", "load_dataset", "open_store", "records_to_graph", "validate_graph",
    ]  # fmt: skip


@pytest.mark.parametrize("package", [twingraph, twingraph.store])
def test_every_public_name_resolves_from_its_module(package: Any) -> None:
    assert sorted(package.EXPORTS) == sorted(package.__all__)
    for name in package.__all__:
        assert getattr(package, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        package.nothing  # noqa: B018


def test_a_query_worker_imports_neither_the_pipeline_nor_the_remote_client() -> None:
    """A worker starts by importing twingraph.store.workers: the lazy packages keep that to what a worker runs."""
    probe = "import sys, twingraph.store.workers; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert "twingraph.store.workers" in loaded
    assert not {"twingraph.pipeline", "twingraph.store.remote", "twingraph.store.publish", "httpx"} & set(loaded)


def test_imports_follow_the_one_way_data_flow() -> None:
    done = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "one-way data flow KEPT" in done.stdout


def test_check_points_at_the_broken_line(runner: CliRunner, in_project: Path) -> None:
    path = in_project / "data" / "records" / "hebron.yaml"
    assert runner.invoke(main, ["check", str(path)]).stdout == "OK\n"
    path.write_text(path.read_text(encoding="utf-8").replace("type: meeting", "type: picnic", 1), encoding="utf-8")
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert re.search(r"hebron\.yaml:\d+: events\.0\.type: Input should be 'meeting'", result.output), result.output


def give_urbino_the_abbreviation_of_the_asian_mayors_forum(project: Path) -> Path:
    """An alias clash: the abbreviation АФМ, declared in kazan.yaml, given to Urbino's university as well."""
    path = project / "data" / "records" / "urbino.yaml"
    name = "  - name: Урбинский университет имени Карла Бо\n"
    path.write_text(path.read_text(encoding="utf-8").replace(name, name + "    abbreviation: АФМ\n"), encoding="utf-8")
    return path


def test_check_reports_a_cross_file_alias_clash_for_each_file_it_involves(runner: CliRunner,
                                                                          in_project: Path) -> None:  # fmt: skip
    urbino = give_urbino_the_abbreviation_of_the_asian_mayors_forum(in_project)
    kazan = in_project / "data" / "records" / "kazan.yaml"
    hebron = in_project / "data" / "records" / "hebron.yaml"
    for path in (urbino, kazan):
        result = runner.invoke(main, ["check", str(path)])
        assert result.exit_code == 1, result.output
        assert "organization alias 'АФМ' names both 'Азиатский Форум Мэров' and 'Урбинский университет" in result.stdout
        pattern = (r"urbino\.yaml:\d+: organizations\.0\.abbreviation: .*\(see also \S*kazan\.yaml:\d+: "
                   r"organizations\.0\.abbreviation\) \[alias\.clash\]")  # fmt: skip
        assert re.search(pattern, result.stdout), result.stdout
    result = runner.invoke(main, ["check", str(hebron)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "info: 1 other error(s), not in these files, stop the build; 'twingraph check' lists them all "
        "[check.elsewhere]",
        "0 errors, 0 warnings, 1 info",
    ]


def test_check_writes_json_with_every_field(runner: CliRunner, in_project: Path) -> None:
    urbino = give_urbino_the_abbreviation_of_the_asian_mayors_forum(in_project)
    result = runner.invoke(main, ["check", "--format", "json", str(urbino)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["ok"], data["counts"]) == (False, {"error": 1, "warning": 0, "info": 0})
    (problem,) = data["problems"]
    assert set(problem) == {"file", "line", "path", "focus", "rule", "severity", "message", "also"}
    assert (problem["rule"], problem["severity"], problem["path"]) == ("alias.clash", "error",
                                                                       "organizations.0.abbreviation")  # fmt: skip
    line = urbino.read_text(encoding="utf-8").splitlines().index("    abbreviation: АФМ") + 1
    assert (Path(problem["file"]).name, problem["line"]) == ("urbino.yaml", line)
    assert [Path(site["file"]).name for site in problem["also"]] == ["kazan.yaml"]
    every = runner.invoke(main, ["check", "--format", "json"])
    errors = [p for p in json.loads(every.stdout)["problems"] if p["severity"] == "error"]
    assert every.exit_code == 1 and errors == data["problems"], "the whole set adds the review queue's warnings"


def test_check_and_validate_exit_0_clean_1_on_errors_2_on_usage(runner: CliRunner, in_project: Path) -> None:
    hebron = in_project / "data" / "records" / "hebron.yaml"
    assert runner.invoke(main, ["check", str(hebron)]).exit_code == 0
    assert runner.invoke(main, ["validate", "--format", "json"]).exit_code == 0
    assert runner.invoke(main, ["check", str(in_project / "no-such.yaml")]).exit_code == 2
    assert runner.invoke(main, ["check", "--format", "xml", str(hebron)]).exit_code == 2
    assert runner.invoke(main, ["validate", "--engine", "jena"]).exit_code == 2
    hebron.write_text(hebron.read_text(encoding="utf-8").replace("type: meeting", "type: picnic", 1), encoding="utf-8")
    assert runner.invoke(main, ["check", str(hebron)]).exit_code == 1
    assert runner.invoke(main, ["validate"]).exit_code == 1
    for command in ("check", "validate"):
        help_text = runner.invoke(main, [command, "--help"]).stdout
        assert "Exit status: 0 no errors" in help_text and "2 usage error" in help_text and "Example" in help_text


def test_statements_kept_for_review_are_warnings_that_pass(runner: CliRunner, in_project: Path) -> None:
    path = in_project / "data" / "records" / "urbino.yaml"
    quote = "Урбинский университет имени Карла Бо основали в 1506 году одним из первых в Европе."
    path.write_text(path.read_text(encoding="utf-8") + f'unparsed:\n  - reason: no date\n    quote: "{quote}"\n',
                    encoding="utf-8")  # fmt: skip
    line = len(path.read_text(encoding="utf-8").splitlines()) - 1
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(rf"urbino\.yaml:{line}: unparsed\.0: warning: not turned into records yet \(no date\): "
                     r".* \[unparsed\]$", result.stdout, re.MULTILINE), result.stdout  # fmt: skip
    assert result.stdout.endswith("0 errors, 1 warning, 0 infos\n")


def test_check_refuses_an_alias_bomb_at_once(runner: CliRunner, in_project: Path) -> None:
    rows = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    rows += [f"{b}: &{b} [" + ", ".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    path = in_project / "data" / "records" / "bomb.yaml"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert len(path.read_bytes()) < 500
    result = runner.invoke(main, ["check", "--format", "json", str(path)])
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert (problem["rule"], problem["line"]) == ("yaml.alias", 1)
    assert "anchors and aliases" in problem["message"]


@pytest.mark.slow
def test_the_code_passes_ruff_and_strict_mypy() -> None:
    root = Path(__file__).parent.parent
    for command in (["ruff", "check", "src", "tests"], [sys.executable, "-m", "mypy"]):
        done = subprocess.run(command, capture_output=True, text=True, cwd=root)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_store_is_rebuilt_when_records_or_base_change(project_settings: Settings) -> None:
    import dataclasses
    import os

    from twingraph.pipeline import open_store, stale_reason

    assert stale_reason(project_settings) == "no build yet"
    open_store(project_settings)
    assert stale_reason(project_settings) is None
    other = dataclasses.replace(project_settings, base_iri="http://example.org/kzn/")
    assert "another base IRI" in (stale_reason(other) or "")
    dump = project_settings.dist_dir / "twingraph.nt"
    earlier = (project_settings.records_dir / "hebron.yaml").stat().st_mtime - 10
    os.utime(dump, (earlier, earlier))
    assert stale_reason(project_settings) == "the records changed since the last build"
    store = open_store(other)
    assert store.select("SELECT ?p WHERE { <http://example.org/kzn/city/tehran> ?p ?o } LIMIT 1").rows
    assert stale_reason(other) is None


def test_the_terminal_table_wraps_long_values_and_cuts_none(runner: CliRunner, in_project: Path) -> None:
    from twingraph.store.table_text import column_widths, table_text, wrapped

    result = runner.invoke(main, ["query", "who-met-whom", "-p", "person=Метшин", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    for width in (60, 100, 200):
        lines = table_text(header, rows, width).splitlines()
        widths = column_widths([max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(header)], width)
        starts = [sum(widths[:i]) + 2 * i for i in range(len(widths))]
        at = 1
        for row in rows:
            depth = max(len(wrapped(value, w)) for value, w in zip(row, widths, strict=True))
            block = [line.ljust(sum(widths) + 2 * len(widths)) for line in lines[at : at + depth]]
            for value, start, w in zip(row, starts, widths, strict=True):
                shown = "".join(line[start : start + w] for line in block)
                assert shown.replace(" ", "") == value.replace(" ", ""), (width, value)
            at += depth
        assert lines[at] == f"({len(rows)} rows)"
