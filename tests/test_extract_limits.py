"""`extract` on pathological HTML: refused with a clear error naming the page and the limit, nothing written."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from twingraph.cli import main
from twingraph.extract.text import DEPTH_LIMIT, html_to_text, markup_depth, page_text

ROOT = Path(__file__).resolve().parent.parent
KAZAN = ROOT / "data" / "sources" / "kzn-partner-cities-page4.txt"


def nested(depth: int, inner: str = "Энск") -> str:
    return f"<html><body>{'<div>' * depth}{inner}{'</div>' * depth}</body></html>"


PAGES = {
    "nested-2000": nested(2000),
    "unclosed-b-100k": "<html><body><p>Энск " + "<b>x" * 100_000 + "</p></body></html>",
    "unclosed-span-600": "<html><body><div><p>Энск</p>" + "<span>" * 600 + "</div></body></html>",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_over_deep_html_is_refused_naming_the_file_and_the_limit(tmp_path: Path, name: str) -> None:
    page = tmp_path / f"{name}.html"
    page.write_text(PAGES[name], encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(page), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), "an error message, not a traceback"
    assert str(page) in result.output and f"limit of {DEPTH_LIMIT}" in result.output
    assert not out.exists(), "nothing is written"


def test_the_installed_command_prints_one_error_and_no_traceback(tmp_path: Path) -> None:
    page = tmp_path / "bold.html"
    page.write_text(PAGES["unclosed-b-100k"], encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "twingraph", "extract", str(page), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert str(page) in done.stderr and "100,000 elements deep" in done.stderr
    assert not out.exists()


def test_html_within_the_limit_is_read_as_before(tmp_path: Path) -> None:
    lines = [line.strip() for line in KAZAN.read_text(encoding="utf-8").splitlines()[:40] if line.strip()]
    body = "".join(f"<p>{line}</p>" for line in lines)
    shallow = page_text(f"<html><body><div>{body}</div></body></html>".encode(), "shallow.html")
    deep = page_text(nested(DEPTH_LIMIT - 2, body).encode(), "deep.html")
    assert deep == shallow and lines[0] in deep


def test_the_text_walk_is_a_loop_so_no_depth_overflows_it() -> None:
    # past the depth check: the walk itself must not recurse (Python stops at about 1,000 frames)
    assert html_to_text(nested(5000, "Энск")) == "Энск"


def test_the_depth_is_measured_in_linear_time() -> None:
    page = "<html><body>" + "<div><p>a</p><!-- <div> --><span>b</span><br></div>" * 50_000 + "</body></html>"
    start = time.perf_counter()
    assert markup_depth(page) == 2
    assert markup_depth("<!--" * 100_000) == 0 and markup_depth("<script>" * 100_000) == 0
    assert time.perf_counter() - start < 5
