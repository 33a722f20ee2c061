"""`extract` on pathological input: over-deep HTML and over-large pages refused with a clear error naming the
page and the limit, nothing written; pages in any Cyrillic code page decoded by their declaration or their letters."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from twingraph.cli import main
from twingraph.extract.text import DEPTH_LIMIT, MIB, PAGE_LIMIT, html_to_text, markup_depth, page_text
from twingraph.records import parse_city_file

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


def test_the_depth_of_a_large_page_is_measured() -> None:
    page = "<html><body>" + "<div><p>a</p><!-- <div> --><span>b</span><br></div>" * 50_000 + "</body></html>"
    assert markup_depth(page) == 2
    assert markup_depth("<!--" * 100_000) == 0 and markup_depth("<script>" * 100_000) == 0


# -- code pages (issue 13): decoded by the declared charset when there is one, else by the share of Russian letters --

CODE_PAGES = ["koi8-r", "cp866", "iso-8859-5", "cp1251"]
DECLARATIONS = {
    "meta-charset": '<meta charset="{}">',
    "http-equiv": '<meta http-equiv="Content-Type" content="text/html; charset={}">',
    "unknown-label": '<meta charset="x-no-such-{}">',  # not a code page Python knows: ignored
    "none": "",
}


def kazan_html(head: str = "") -> str:
    """The real Kazan page as HTML, one paragraph a line, with ``head`` in its <head>."""
    lines = [line.strip() for line in KAZAN.read_text(encoding="utf-8").splitlines() if line.strip()]
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f"<html><head>{head}<title>Города-побратимы</title></head><body><div>{body}</div></body></html>"


@pytest.mark.parametrize("code_page", CODE_PAGES)
def test_a_text_page_in_a_cyrillic_code_page_is_read_in_it(code_page: str) -> None:
    data = KAZAN.read_text(encoding="utf-8").encode(code_page, errors="replace")  # « » and the like become ?
    assert page_text(data, "page.txt") == data.decode(code_page)


@pytest.mark.parametrize("declaration", list(DECLARATIONS))
@pytest.mark.parametrize("code_page", CODE_PAGES)
def test_an_html_page_is_read_by_its_declaration_or_its_letters(code_page: str, declaration: str) -> None:
    expected = page_text(kazan_html().encode("utf-8"), "utf-8.html")
    page = kazan_html(DECLARATIONS[declaration].format(code_page))
    # characters the code page lacks are written as character references, so the text is the same
    assert page_text(page.encode(code_page, errors="xmlcharrefreplace"), "page.html") == expected


@pytest.mark.parametrize(("declared", "actual"), [("windows-1251", "koi8-r"), ("koi8-r", "windows-1251"),
                                                  ("iso-8859-5", "cp866"), ("windows-1251", "utf-8"),
                                                  ("utf-8", "koi8-r"), ("iso-8859-1", "cp1251")])  # fmt: skip
def test_a_declaration_the_letters_contradict_is_overridden(declared: str, actual: str) -> None:
    """A saved or recoded page can keep a wrong <meta>: a reading that is clearly Russian wins over it."""
    expected = page_text(kazan_html().encode("utf-8"), "utf-8.html")
    page = kazan_html(DECLARATIONS["http-equiv"].format(declared))
    assert page_text(page.encode(actual, errors="xmlcharrefreplace"), "page.html") == expected


def test_extract_reads_a_koi8_r_page_without_a_declaration(tmp_path: Path) -> None:
    page = tmp_path / "kzn-koi8.html"
    page.write_bytes(kazan_html().encode("koi8-r", errors="xmlcharrefreplace"))  # • is &#8226;: KOI8-R has none
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(page), "-o", str(out)])
    assert result.exit_code == 0, result.output
    cities = {parse_city_file(p.read_text(encoding="utf-8"), str(p)).city.name for p in out.glob("*.yaml")}
    assert len(cities) == 11 and {"Казань", "Тегеран", "Цицикар"} <= cities
    written = (out / "kzn-koi8.txt").read_text(encoding="utf-8")  # the page's text, for data/sources/
    assert written == page_text(kazan_html().encode("utf-8"), "utf-8.html")


# -- size (issue 13): a page larger than --max-size is refused before it is read -----------------------------------


def test_the_default_size_limit_is_the_librarys_and_help_states_it(runner: CliRunner) -> None:
    assert isinstance(main, click.Group)
    option = next(p for p in main.commands["extract"].params if p.name == "max_size")
    assert option.default * MIB == PAGE_LIMIT == 5 * MIB
    shown = " ".join(runner.invoke(main, ["extract", "--help"]).output.split())
    assert "--max-size MIB" in shown and "[default: 5;" in shown


@pytest.mark.parametrize(("size", "options", "limit"), [(PAGE_LIMIT + 1, [], "5 MiB"),
                                                       (MIB + 1, ["--max-size", "1"], "1 MiB")])  # fmt: skip
def test_a_page_over_the_size_limit_is_refused_before_it_is_read(runner: CliRunner, tmp_path: Path, size: int,
                                                                 options: list[str], limit: str) -> None:  # fmt: skip
    page = tmp_path / "huge.html"
    page.write_bytes(b"\x00" * size)  # binary: had it been read, the error would say so
    out = tmp_path / "out"
    result = runner.invoke(main, ["extract", str(page), "-o", str(out), *options])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"{page}: {size:,} bytes, larger than the limit of {limit}" in result.output
    assert "binary" not in result.output and not out.exists()


def test_a_raised_limit_lets_the_page_be_read(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    page.write_bytes(b"\x00" * (PAGE_LIMIT + 1))
    result = runner.invoke(main, ["extract", str(page), "-o", str(tmp_path / "out"), "--max-size", "6"])
    assert result.exit_code == 1 and "binary data" in result.output and "larger than" not in result.output
