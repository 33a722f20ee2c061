"""Every named query gives the same rows on the embedded store, the Oxigraph server and Virtuoso.

The named queries must run on any SPARQL 1.1 store (``serve --store``), so each one runs, with
representative parameters and without, on the Kazan build in three stores: the embedded pyoxigraph
store, a real Oxigraph server and Virtuoso, both loaded by ``twingraph publish`` and queried through
``store.RemoteStore`` as ``serve --store`` queries them. The rows are compared as lexical values: in
order where the query orders them (each named query's order is total), as a multiset otherwise.

The servers are started by tests/running_stores.py, as for tests/test_remote.py. Virtuoso is skipped
where it is not installed, unless ``TWINGRAPH_REQUIRE_VIRTUOSO=1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

import pytest
from click.testing import CliRunner

from running_stores import GRAPH, KINDS, VIRTUOSO_PASSWORD, StartCommand, started
from twingraph.cli import main
from twingraph.config import Settings
from twingraph.pipeline import Built
from twingraph.store import EmbeddedStore, RemoteStore, Table, load_queries
from twingraph.store.interface import select
from twingraph.store.queries import NamedQuery, name_key

pytestmark = pytest.mark.server


METSHIN = "https://twingraph.example/person/ilsur-metshin"
# each query without parameters, with each parameter alone, and with parameters together;
# names as a reader types them (lower case, in part, English, ё for е, an alias): LCASE, REPLACE
# and the owl:sameAs path to the Wikidata item's label must agree across stores
CASES: list[tuple[str, dict[str, str]]] = [
    ("agreements-by-year", {}),
    ("agreements-by-year", {"year": "2001"}),
    ("city-timeline", {}),
    ("city-timeline", {"city": "Ханчжоу"}),
    ("city-timeline", {"city": "тегеран"}),
    ("city-timeline", {"city": "Harbin"}),
    ("city-timeline", {"city": "ХАРБ"}),
    ("events-per-year", {}),
    ("events-per-year", {"city": "Харбин"}),
    ("events-per-year", {"city": "tehr"}),
    ("map", {}),
    ("network", {}),
    ("network", {"year": "2023"}),
    ("network", {"node": METSHIN}),
    ("network", {"year": "2023", "node": METSHIN}),
    ("organizations-per-city", {}),
    ("organizations-per-city", {"city": "Тегеран"}),
    ("organizations-per-city", {"city": "harbin"}),
    ("participations", {}),
    ("participations", {"year": "2019"}),
    ("person-timeline", {}),
    ("person-timeline", {"person": "Голамзаде"}),
    ("person-timeline", {"person": "хамидреза голамзаде"}),
    ("person-timeline", {"person": "МЁТШ"}),
    ("timeline", {}),
    ("timeline", {"city": "Харбин"}),
    ("timeline", {"person": "Метшин"}),
    ("timeline", {"organization": "БРИКС"}),
    ("timeline", {"organization": "исполком г.казани"}),
    ("timeline", {"city": "harbin"}),
    ("timeline", {"year": "2023"}),
    ("timeline", {"city": "Тегеран", "person": "Метшин", "year": "2023"}),
    ("who-met-whom", {}),
    ("who-met-whom", {"person": "Голамзаде"}),
    ("who-met-whom", {"city": "Москва"}),
    ("who-met-whom", {"city": "tehran"}),
    ("who-met-whom", {"person": "голамз", "city": "TEHRAN"}),
    ("who-met-whom", {"year": "2023"}),
    ("who-met-whom", {"person": "Метшин", "city": "Тегеран", "year": "2023"}),
    ("years", {}),
    ("years", {"city": "Урбино"}),
    ("years", {"city": "urbin"}),
]


def case_id(case: tuple[str, dict[str, str]]) -> str:
    name, params = case
    return name + "".join(f"-{key}" for key in params)


# -- the stores ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=KINDS)
def remote(request: pytest.FixtureRequest, start_command: StartCommand, tmp_path_factory: pytest.TempPathFactory,
           built: Built, settings: Settings) -> Iterator[RemoteStore]:  # fmt: skip
    """A fresh store of each kind with the Kazan build published into it, as ``serve --store`` reads it."""
    with started(request.param, start_command, tmp_path_factory.mktemp(request.param)) as store:
        result = CliRunner().invoke(main, ["--dist", str(settings.dist_dir), *store.publish_args()],
                                    env={"TWINGRAPH_STORE_PASSWORD": VIRTUOSO_PASSWORD})  # fmt: skip
        assert result.exit_code == 0, result.output
        yield RemoteStore(store.query, GRAPH, timeout=120)


@pytest.fixture(scope="module")
def embedded(built: Built) -> EmbeddedStore:
    assert built.dist is not None
    return EmbeddedStore.from_file(built.dist / "twingraph.nt")


@pytest.fixture(scope="module")
def queries(settings: Settings) -> dict[str, NamedQuery]:
    return load_queries(settings.queries_dir)


# -- comparing rows -------------------------------------------------------------------------------


def concatenated(query: NamedQuery) -> dict[str, str]:
    """The columns a GROUP_CONCAT makes, with their separators: stores join the parts in any order."""
    found = re.findall(r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)',
                       query.text, flags=re.IGNORECASE)  # fmt: skip
    return {column: separator for separator, column in found}


def number(text: str) -> str:
    """A numeric value in one form: stores keep values, not text ("8600.0" reads back as "8600")."""
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def comparable(table: Table, joined: dict[str, str]) -> list[tuple[str, ...]]:
    """The rows as tuples of lexical values, each GROUP_CONCAT's parts sorted, numbers in one form."""

    def value(column: str, text: str) -> str:
        if column in joined:
            return joined[column].join(sorted(text.split(joined[column]))) if text else text
        return number(text) if re.fullmatch(r"[-+]?[0-9]*\.?[0-9]+", text) else text

    return [tuple(value(c, v) for c, v in zip(table.columns, row, strict=True)) for row in table.rows]


def ordered(query: NamedQuery) -> bool:
    return re.search(r"\bORDER\s+BY\b", query.text.rsplit("}", 1)[-1], flags=re.IGNORECASE) is not None


# -- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_store_gives_the_embedded_stores_rows(case: tuple[str, dict[str, str]], remote: RemoteStore,
                                                  embedded: EmbeddedStore,
                                                  queries: dict[str, NamedQuery]) -> None:  # fmt: skip
    name, params = case
    query = queries[name]
    text = query.bound(params)
    expected, found = embedded.select(text), select(remote, text)
    assert found.columns == expected.columns
    want, got = comparable(expected, concatenated(query)), comparable(found, concatenated(query))
    assert want, f"{name} {params}: no rows on the embedded store, so the comparison shows nothing"
    if ordered(query):
        assert got == want
    else:
        assert sorted(got) == sorted(want)


def test_every_query_and_parameter_is_run_on_every_store(queries: dict[str, NamedQuery]) -> None:
    """The cases cover each named query without parameters and each of its parameters."""
    covered = {(name, key) for name, params in CASES for key in params} | {(name, "") for name, p in CASES if not p}
    needed = {(q.name, p.name) for q in queries.values() for p in q.params} | {(name, "") for name in queries}
    assert needed <= covered, f"not run on the three stores: {sorted(needed - covered)}"


@pytest.mark.parametrize("name", ["Ёлкин ФЁДОР", "ёлкин фёдор", "Елкин Федор"])
def test_the_store_compares_names_as_the_queries_say(name: str, remote: RemoteStore) -> None:
    """ё in the data is found by е typed: the Kazan names have no ё, so the store's LCASE and REPLACE
    are asked directly, on a literal, as the named queries apply them to every name."""
    text = f'SELECT (REPLACE(LCASE(STR("{name}"@ru)), "ё", "е") AS ?key) WHERE {{}}'
    assert select(remote, text).rows == ((name_key(name),),) == (("елкин федор",),)
