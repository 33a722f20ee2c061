"""RDF files a user hands over (``twingraph link --input``) that try to reach out or blow up.

A JSON-LD remote ``@context`` and an XML external entity aimed at a local listener must
make no connection; a billion laughs must be refused rather than expanded. Each is
refused with the file named, and a plain file in each format reads the same triples.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from twingraph.cli import main
from twingraph.errors import TwingraphError
from twingraph.rdf.reading import read_rdf

TURTLE = '<urn:ex:a> <urn:ex:p> "x"@ru .\n'
PLAIN = {
    "a.ttl": TURTLE,
    "a.nt": TURTLE,
    "a.jsonld": '{"@id": "urn:ex:a", "urn:ex:p": {"@value": "x", "@language": "ru"}}',
    "a.rdf": '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             'xmlns:ex="urn:ex:"><rdf:Description rdf:about="urn:ex:a"><ex:p xml:lang="ru">x</ex:p>'
             "</rdf:Description></rdf:RDF>",
}  # fmt: skip
RDF_OPEN = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">'
            '<rdf:Description rdf:about="urn:ex:a"><ex:p>')  # fmt: skip
RDF_CLOSE = "</ex:p></rdf:Description></rdf:RDF>"


def laughs(levels: int = 10) -> str:
    """The billion laughs: each entity ten of the one before, 10**levels characters in all."""
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels))
    return f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>{RDF_OPEN}&l{levels - 1};{RDF_CLOSE}'


def hostile(port: int) -> dict[str, str]:
    target = f"http://127.0.0.1:{port}"
    return {
        "context.jsonld": f'{{"@context": "{target}/context.jsonld", "@id": "urn:ex:a", "name": "x"}}',
        "nested-context.jsonld": f'{{"@context": [{{"ex": "urn:ex:"}}, "{target}/c"], "@id": "urn:ex:a"}}',
        "entity.rdf": f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "{target}/x">]>{RDF_OPEN}&e;{RDF_CLOSE}',
        "parameter-entity.rdf": f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "{target}/p"> %p;]>'
                                f"{RDF_OPEN}x{RDF_CLOSE}",
        "laughs.rdf": laughs(),
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_a_plain_file_reads_the_same_triples_in_every_format(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(PLAIN[name], encoding="utf-8")
    assert isomorphic(read_rdf(path), Graph().parse(data=TURTLE, format="nt"))


@pytest.mark.parametrize("name", ["context.jsonld", "nested-context.jsonld", "entity.rdf", "parameter-entity.rdf",
                                  "laughs.rdf"])  # fmt: skip
def test_a_hostile_file_is_refused_with_its_name_and_reaches_nothing(
    tmp_path: Path, name: str, listener: socket.socket, assert_no_connection: Callable[[socket.socket], None]
) -> None:
    path = tmp_path / name
    path.write_text(hostile(listener.getsockname()[1])[name], encoding="utf-8")
    with pytest.raises(TwingraphError) as refused:
        read_rdf(path)
    assert str(path) in str(refused.value)
    assert "remote @context" in str(refused.value) or "DTD" in str(refused.value)
    assert_no_connection(listener)


def test_the_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    """In a process of its own, so that a regression is a failed test rather than a machine out of memory."""
    path = tmp_path / "laughs.rdf"
    path.write_text(laughs(), encoding="utf-8")
    code = ("import sys; from pathlib import Path; from twingraph.rdf.reading import read_rdf; "
            "read_rdf(Path(sys.argv[1]))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "declares a DTD" in done.stderr


def test_link_input_refuses_a_remote_context_before_asking_anything(
    tmp_path: Path, listener: socket.socket, assert_no_connection: Callable[[socket.socket], None]
) -> None:
    path = tmp_path / "evil.jsonld"
    path.write_text(hostile(listener.getsockname()[1])["context.jsonld"], encoding="utf-8")
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    result = CliRunner().invoke(main, ["link", "--input", str(path), "--endpoint", endpoint, "--no-cache",
                                       "-o", str(tmp_path / "links.ttl")])  # fmt: skip
    assert result.exit_code != 0 and str(path) in result.output and "remote @context" in result.output
    assert not (tmp_path / "links.ttl").exists()
    assert_no_connection(listener)
