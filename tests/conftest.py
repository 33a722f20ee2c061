"""Shared fixtures: the real records, their graph, a build in a temporary dist/."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from twingraph.config import Settings
from twingraph.pipeline import Built, build, dataset_graph
from twingraph.validate import load_shapes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(root=ROOT, dist=tmp_path_factory.mktemp("dist") / "dist")


@pytest.fixture(scope="session")
def graph(settings: Settings) -> Graph:
    return dataset_graph(settings)[1]


@pytest.fixture(scope="session")
def shapes(settings: Settings) -> Graph:
    return load_shapes(settings.shapes_dir)


@pytest.fixture(scope="session")
def built(settings: Settings) -> Built:
    return build(settings)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the project's data, ontology, shapes and queries."""
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def project_settings(project: Path) -> Settings:
    return dataclasses.replace(Settings(root=project), dist=project / "dist")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
