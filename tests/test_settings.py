"""Settings: paths fixed when the settings are made; the installed package's data is never written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from twingraph.cli import main
from twingraph.config import Settings, bundled_root, default_settings
from twingraph.errors import TwingraphError
from twingraph.fileio import ensure_writable, replacing_directory, write_atomic
from twingraph.pipeline import Built

ROOT = Path(__file__).resolve().parent.parent
READ_ONLY = ("read-only", "--data DIR", "checkout")


def test_paths_are_fixed_when_the_settings_are_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    settings = Settings(root=Path("."), data=Path("mydata"), links=Path("links.ttl"))
    monkeypatch.chdir(tmp_path / "there")
    assert settings.dist_dir == tmp_path / "here" / "dist"
    assert settings.root == tmp_path / "here"
    assert settings.records_dir == tmp_path / "here" / "mydata" / "records"
    assert settings.links_file == tmp_path / "here" / "links.ttl"
    assert dataclasses.replace(settings, base_iri="https://example.org/").dist_dir == tmp_path / "here" / "dist"


def test_default_settings_keep_the_defaults_for_options_not_given(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    settings = default_settings(dist=None, data=None, base_iri="https://example.org/")
    assert settings.dist_dir == tmp_path / "dist"
    assert settings.base_iri == "https://example.org/"
    assert settings.gaps_file == settings.data_dir / "p190-gaps.tsv"
    assert settings.quickstatements_file == settings.data_dir / "p190-quickstatements.txt"


def test_the_bundled_data_is_read_only(tmp_path: Path) -> None:
    target = bundled_root() / "data" / "links.ttl"
    existed = target.exists()
    with pytest.raises(TwingraphError) as refused:
        ensure_writable(target, "the links")
    assert all(hint in str(refused.value) for hint in READ_ONLY) and str(target) in str(refused.value)
    with pytest.raises(TwingraphError, match="--data DIR"):
        write_atomic(target, b"nothing")
    with pytest.raises(TwingraphError, match="--data DIR"), replacing_directory(bundled_root() / "dist"):
        pass
    assert target.exists() == existed
    assert ensure_writable(tmp_path / "links.ttl", "the links") == tmp_path / "links.ttl"


@pytest.mark.parametrize("command", [
    ["export", "-o", "{bundled}/kazan.ttl"],
    ["plot", "map", "-o", "{bundled}/map.svg"],
    ["site", "-o", "{bundled}/site"],
    ["--dist", "{bundled}/dist", "build"],
])  # fmt: skip
def test_commands_refuse_to_write_into_the_installed_package(runner: CliRunner, built: Built,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            command: list[str]) -> None:  # fmt: skip
    monkeypatch.chdir(ROOT)
    args = [arg.format(bundled=bundled_root()) for arg in command]
    result = runner.invoke(main, ["--dist", str(built.dist), *args])
    assert result.exit_code == 1, result.output
    assert all(hint in result.output for hint in READ_ONLY), result.output
    assert not (bundled_root() / "dist").exists() and not (bundled_root() / "site").exists()
