"""The synthetic generator: deterministic, loadable by the real loader, valid, and linear in size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from twingraph.cli import main
from twingraph.config import Settings
from twingraph.model import Precision
from twingraph.pipeline import dataset_graph
from twingraph.rdf.namespaces import TG
from twingraph.records import load_dataset
from twingraph.synth import write_synthetic
from twingraph.validate import validate_graph


def synthetic(tmp_path: Path, cities: int, seed: int = 0) -> Path:
    directory = tmp_path / f"synth-{cities}-{seed}"
    write_synthetic(directory, cities, seed)
    return directory


def files_of(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def synthetic_graph(settings: Settings, directory: Path) -> Graph:
    return dataset_graph(dataclasses.replace(settings, data=directory))[1]


def test_the_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    first = files_of(synthetic(tmp_path / "a", 3))
    assert first == files_of(synthetic(tmp_path / "b", 3))
    assert first != files_of(synthetic(tmp_path / "c", 3, seed=1))
    assert {name.split("/")[0] for name in first} == {"records", "sources"}


def test_the_output_loads_with_the_real_loader(tmp_path: Path) -> None:
    directory = synthetic(tmp_path, 3)
    dataset = load_dataset(directory / "records", directory / "sources")
    assert len(dataset.files) == 4 and [c.role for c in dataset.cities].count("home") == 1
    assert {e.start.precision for e in dataset.events} == set(Precision)
    assert any(e.end for e in dataset.events) and any(e.part_of for e in dataset.events)
    assert all(any(ch in "абвгдеёжзийклмнопрстуфхцчшщыэюя" for ch in e.quote) for e in dataset.events)


def test_the_output_builds_and_conforms(tmp_path: Path, settings: Settings, shapes: Graph) -> None:
    graph = synthetic_graph(settings, synthetic(tmp_path, 3))
    report = validate_graph(graph, shapes)
    assert report.conforms, report.text()
    assert len(set(graph.subjects(None, TG.Person))) >= 10


def test_a_persons_post_changes_over_time(tmp_path: Path) -> None:
    directory = synthetic(tmp_path, 3)
    dataset = load_dataset(directory / "records", directory / "sources")
    posts: dict[str, set[str]] = {}
    for event in dataset.events:
        for p in event.participants:
            if p.person and p.role:
                posts.setdefault(p.person, set()).add(p.role)
    assert any(len(roles) > 1 for roles in posts.values())


def test_triples_grow_linearly_with_cities(tmp_path: Path, settings: Settings) -> None:
    sizes = {n: len(synthetic_graph(settings, synthetic(tmp_path, n))) for n in (2, 4, 8)}
    per_city = (sizes[8] - sizes[4]) / 4
    assert 300 < per_city < 1500
    assert sizes[4] - sizes[2] == pytest.approx(2 * per_city, rel=0.25)


def test_the_command_writes_what_build_takes_with_data(runner: CliRunner, tmp_path: Path) -> None:
    done = runner.invoke(main, ["synth", "--cities", "1", "-o", str(tmp_path / "synth")])
    assert done.exit_code == 0, done.output
    built = runner.invoke(main, ["--data", str(tmp_path / "synth"), "--dist", str(tmp_path / "dist"), "build"])
    assert built.exit_code == 0, built.output
    assert "SHACL: conforms" in built.output and (tmp_path / "dist" / "twingraph.nt").exists()
