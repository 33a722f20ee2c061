"""The static site: the server's pages and descriptions as files, safe paths, an atomic swap, hosting snippets."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from starlette.testclient import TestClient

from twingraph.cli import main
from twingraph.config import DUMPS, Settings
from twingraph.errors import TwingraphError
from twingraph.pipeline import Built
from twingraph.serve import create_app, lookups
from twingraph.serve.export_site import MARKER, SiteExport, UnsafePathError, export_site, site_path
from twingraph.store import EmbeddedStore, load_queries

BASE = "https://twingraph.example/"
TG = Namespace(BASE + "ns#")
SCHEMA = Namespace("https://schema.org/")
MEDIA_TYPES = ("text/turtle", "application/ld+json", "application/n-triples")
LINK_ATTRIBUTES = ("href", "src", "action", "data-source")  # data-source: the JSON a view's script fetches
SAMPLES = ("person/ilsur-metshin", "city/tehran", "person/khamidreza-golamzade", "ns/event-type/visit")


@pytest.fixture(scope="module")
def store(settings: Settings, built: Built) -> EmbeddedStore:
    return EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt")


@pytest.fixture(scope="module")
def exported(store: EmbeddedStore, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> SiteExport:
    return export_site(store, settings, tmp_path_factory.mktemp("site") / "public")


@pytest.fixture(scope="module")
def site(exported: SiteExport) -> Path:
    return exported.root


@pytest.fixture(scope="module")
def client(store: EmbeddedStore, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def between(text: str, start: str, end: str) -> str:
    match = re.search(re.escape(start) + "(.*?)" + re.escape(end), text, re.DOTALL)
    assert match, f"no {start!r} … {end!r} in the page"
    return match.group(1)


# -- the pages ------------------------------------------------------------------------------------


def test_person_page_shows_whom_they_met_and_posts(site: Path) -> None:
    met = page(site, "person/ilsur-metshin").split("<h2>Встречался с</h2>")[1].split("</table>")[0]
    assert '<a href="/person/khamidreza-golamzade" lang="ru">Хамидреза Голамзаде</a>' in met
    assert "2023-05-25" in met
    roles = page(site, "person/khamidreza-golamzade").split("<h2>Участие и должности по датам</h2>")[1]
    assert "Вице-мэр г.Тегерана" in roles.split("</table>")[0]


def test_city_page_has_agreements_timeline_quotes_and_incoming_links(site: Path) -> None:
    tehran = page(site, "city/tehran")
    for heading in ("Соглашения", "События", "Источник", "Свойства", "Ссылки на этот ресурс"):
        assert f"<h2>{heading}</h2>" in tehran
    assert 'Источник: «<span lang="ru">Тегеран (Исламская Республика Иран)</span>»' in tehran
    assert len(re.findall(r"<time>([^<]+)</time>", tehran)) > 3


@pytest.mark.parametrize("path", SAMPLES)
def test_page_is_the_servers_page_with_file_links(site: Path, client: TestClient, path: str) -> None:
    static = page(site, path)
    served = client.get("/" + path, headers={"Accept": "text/html"}).text
    served_main = re.sub(r"\?format=(\w+)", r".\1", between(served, "<main>", "</main>"))
    assert between(static, "<main>", "</main>") == served_main
    jsonld = ('<script type="application/ld+json">', "</script>")
    assert between(static, *jsonld) == between(served, *jsonld)
    assert f'<link rel="alternate" type="text/turtle" href="/{path}.ttl">' in static


def test_index_lists_partner_cities_and_links_the_dataset(site: Path, client: TestClient) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="/city/tehran" lang="ru">Тегеран</a>' in index
    served = client.get("/", headers={"Accept": "text/html"}).text
    assert between(index, "<tbody>", "</tbody>") == between(served, "<tbody>", "</tbody>")
    assert 'href="/dataset.ttl"' in index


def test_search_and_sparql_are_left_out(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "/search" not in index and "/sparql" not in index and "<form" not in index
    assert not (site / "search").exists() and not (site / "sparql").exists()


def test_queries_page_lists_each_query_with_its_text(site: Path, settings: Settings) -> None:
    listing = page(site, "queries")
    assert "twingraph serve" in listing and "<form" not in listing
    for query in load_queries(settings.queries_dir).values():
        assert f'<h2 id="{query.name}"><a href="/queries/{query.name}">' in listing
        body = query.text.splitlines()[-2].strip()
        assert body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in listing


@pytest.mark.parametrize("name", ["who-met-whom", "city-timeline", "participations"])
def test_named_query_results_are_the_servers(site: Path, client: TestClient, name: str) -> None:
    served = client.get(f"/queries/{name}", params={"format": "json"})
    assert (site / "queries" / f"{name}.json").read_bytes() == served.content
    assert len(served.json()["results"]["bindings"]) > 0
    table = between(page(site, f"queries/{name}"), "<table>", "</table>")
    assert table == between(client.get(f"/queries/{name}", headers={"Accept": "text/html"}).text, "<table>", "</table>")


def test_dataset_description_and_what_it_links_to(site: Path, client: TestClient) -> None:
    served = client.get("/dataset", params={"format": "ttl"}).content
    assert (site / "dataset.ttl").read_bytes() == served
    assert "Зарубежные города-побратимы" in page(site, "dataset")
    partition = Graph().parse(site / "dataset" / "class" / "cities.ttl", format="turtle")
    assert (URIRef(BASE + "dataset/class/cities"), URIRef("http://rdfs.org/ns/void#class"), TG.City) in partition


# -- the data files -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES)
@pytest.mark.parametrize(("suffix", "fmt"), [(".ttl", "turtle"), (".jsonld", "json-ld"), (".nt", "nt")])
def test_descriptions_are_the_servers(site: Path, client: TestClient, path: str, suffix: str, fmt: str) -> None:
    written = (site / (path + suffix)).read_bytes()
    served = client.get("/" + path + suffix)
    assert served.status_code == 200
    assert written == served.content
    parsed = Graph().parse(data=written, format=fmt)
    assert isomorphic(parsed, Graph().parse(data=served.content, format=fmt))
    assert (URIRef(BASE + path), None, None) in parsed


def test_every_resource_of_the_store_has_its_files(site: Path, store: EmbeddedStore, exported: SiteExport) -> None:
    iris = lookups.subjects(store.raw(), BASE)
    skipped = {s.iri for s in exported.skipped}
    assert skipped == {BASE + "ns#AgreementTypes", BASE + "ns#EventTypes"}  # hash IRIs have no files of their own
    for iri in iris:
        if iri in skipped:
            continue
        path = iri.removeprefix(BASE)
        for name in (f"{path}/index.html", f"{path}.ttl", f"{path}.jsonld", f"{path}.nt"):
            assert (site / name).is_file(), name
    ontology = Graph().parse(site / "ns.ttl", format="turtle")
    assert (TG.EventTypes, None, None) in ontology  # where /ns#EventTypes points


def test_dumps_and_static_files_are_copied(site: Path, settings: Settings) -> None:
    for name in DUMPS.values():
        assert (site / name).read_bytes() == (settings.dist_dir / name).read_bytes()
    assert (site / "static" / "style.css").is_file()


def test_site_is_readable_by_a_web_server(site: Path) -> None:
    assert site.stat().st_mode & 0o755 == 0o755
    assert (site / "index.html").stat().st_mode & 0o444 == 0o444


# -- links ----------------------------------------------------------------------------------------


class Links(HTMLParser):
    """Every href, src, form action and data-source (the views' data) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in LINK_ATTRIBUTES and value is not None]


def target_exists(site: Path, link: str) -> bool:
    """Whether a static web server finds a root-relative link: the file, or the directory's index.html."""
    path = unquote(urlsplit(link).path).lstrip("/")
    if not path or path.endswith("/"):
        return (site / path / "index.html").is_file()
    return (site / path).is_file() or (site / path / "index.html").is_file()


def test_every_root_relative_link_resolves(site: Path) -> None:
    pages_seen, broken = 0, set()
    for html in site.rglob("*.html"):
        parser = Links()
        parser.feed(html.read_text(encoding="utf-8"))
        pages_seen += 1
        for link in parser.found:
            if not link.startswith("/") or link.startswith("//"):
                continue
            if urlsplit(link).query or not target_exists(site, link):
                broken.add((str(html.relative_to(site)), link))
    assert pages_seen > 1000
    assert not broken, sorted(broken)[:20]


def test_the_link_check_finds_a_missing_page(site: Path) -> None:
    assert target_exists(site, "/person/ilsur-metshin")
    assert target_exists(site, "/ns#Person")
    assert not target_exists(site, "/person/nobody")
    assert not target_exists(site, "/sparql")


# -- safety ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iri",
    [
        BASE + "../etc/passwd",
        BASE + "person/../../etc/passwd",
        BASE + "%2e%2e/%2e%2e/etc/passwd",
        BASE + "person%2F..%2F..%2Fetc%2Fpasswd",
        BASE + "person%5C..%5C..%5Cetc",
        BASE + "person\\..\\..\\etc",
        BASE + "/etc/passwd",
        BASE + "person//x",
        BASE + "person/",
        BASE + ".htaccess",
        BASE + "person/%2Ehidden",
        BASE + "person/a%00b",
        BASE + "person/%FF",
        BASE + "static/style.css",
        BASE + "index.html",
        BASE + "person/x#me",
        BASE + "person/x?format=ttl",
        "https://elsewhere.example/person/x",
    ],
)
def test_unsafe_paths_are_refused(iri: str) -> None:
    with pytest.raises(UnsafePathError, match=re.escape(iri)):
        site_path(iri, BASE)


def test_decoded_names_stay_inside(tmp_path: Path) -> None:
    path = site_path(BASE + "person/%D0%9C%D0%B5%D1%82%D1%88%D0%B8%D0%BD", BASE)
    assert path.parts == ("person", "Метшин")
    assert (tmp_path / path).resolve().is_relative_to(tmp_path.resolve())


def tiny_store(turtle: str) -> EmbeddedStore:
    raw = ox.Store()
    raw.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return EmbeddedStore(raw)


def test_traversal_iris_in_the_store_are_left_out_with_a_reason(settings: Settings, built: Built,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    evil = ["../escaped-1", "person/%2e%2e/%2e%2e/%2e%2e/escaped-2", "person%2F..%2F..%2Fescaped-3", ".htaccess"]
    raw = ox.Store()
    for iri in [*evil, "person/fine"]:
        raw.add(ox.Quad(ox.NamedNode(BASE + iri), ox.NamedNode(str(SCHEMA.name)), ox.Literal(iri)))
    target = tmp_path / "deep" / "down" / "site"
    exported = export_site(EmbeddedStore(raw), settings, target)
    assert {s.iri for s in exported.skipped} >= {BASE + iri for iri in evil}
    assert not [p for p in tmp_path.rglob("escaped*")]
    assert (target / "person" / "fine" / "index.html").is_file()
    assert "RewriteEngine" in (target / ".htaccess").read_text(encoding="utf-8")  # not the resource's page


def test_a_directory_that_is_not_an_export_is_refused(settings: Settings, built: Built, tmp_path: Path) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("keep me", encoding="utf-8")
    with pytest.raises(TwingraphError, match=f"not a twingraph site.*{re.escape(MARKER)}"):
        export_site(tiny_store(f"<{BASE}x> <{SCHEMA.name}> 'x' ."), settings, mine)
    assert (mine / "chapter1.tex").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no temporary directory left behind
    a_file = tmp_path / "site.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(TwingraphError, match="not a directory"):
        export_site(tiny_store(f"<{BASE}x> <{SCHEMA.name}> 'x' ."), settings, a_file)


def test_an_earlier_export_is_replaced_whole(settings: Settings, built: Built, tmp_path: Path) -> None:
    target = tmp_path / "site"
    export_site(tiny_store(f"<{BASE}person/first> <{SCHEMA.name}> 'first' ."), settings, target)
    export_site(tiny_store(f"<{BASE}person/second> <{SCHEMA.name}> 'second' ."), settings, target)
    assert (target / "person" / "second" / "index.html").is_file()
    assert not (target / "person" / "first").exists()
    assert json.loads((target / MARKER).read_text(encoding="utf-8"))["base_iri"] == BASE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_failed_export_leaves_the_earlier_one(settings: Settings, built: Built, tmp_path: Path) -> None:
    target = tmp_path / "site"
    store = tiny_store(f"<{BASE}person/first> <{SCHEMA.name}> 'first' .")
    export_site(store, settings, target)
    broken = tmp_path / "dist"
    shutil.copytree(settings.dist_dir, broken)
    (broken / DUMPS["jsonld"]).unlink()
    with pytest.raises(TwingraphError, match="dump is missing"):
        export_site(store, Settings(root=settings.root, dist=broken), target)
    assert (target / "person" / "first" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "site"]


def test_exported_html_escapes_a_script_label(settings: Settings, built: Built, tmp_path: Path) -> None:
    evil = '<script>alert(1)</script></script><img src=x onerror=alert(2)> & "q"'
    store = tiny_store(f"""@prefix schema: <https://schema.org/> .
        <{BASE}person/evil> a <{TG.Person}> ; schema:name {json.dumps(evil)}@ru ; schema:knows <{BASE}person/other> .
        <{BASE}person/other> schema:name {json.dumps(evil)} .""")
    target = export_site(store, settings, tmp_path / "site").root
    for path in ("person/evil", "person/other"):
        html = page(target, path)
        assert "<script>alert" not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    embedded = between(page(target, "person/evil"), '<script type="application/ld+json">', "</script>")
    described = Graph().parse(data=embedded, format="json-ld")
    assert (URIRef(BASE + "person/evil"), SCHEMA.name, Literal(evil, lang="ru")) in described
    assert (URIRef(BASE + "person/evil"), RDF.type, TG.Person) in described


# -- hosting and the command ----------------------------------------------------------------------


def test_htaccess_and_nginx_negotiate_each_format(site: Path) -> None:
    htaccess = (site / ".htaccess").read_text(encoding="utf-8")
    nginx = (site / "nginx.conf.example").read_text(encoding="utf-8")
    for media, suffix in zip(MEDIA_TYPES, (".ttl", ".jsonld", ".nt"), strict=True):
        assert f"AddType {media} {suffix}" in htaccess
        assert f"RewriteCond %{{REQUEST_FILENAME}}{suffix} -f" in htaccess
        assert f"{media} {suffix[1:]};" in nginx
        assert f'"{suffix}";' in nginx
    assert "RewriteCond %{HTTP_ACCEPT} application/ld\\+json" in htaccess
    assert "Header merge Vary Accept" in htaccess
    assert "map $http_accept $twingraph_suffix" in nginx and "add_header Vary Accept" in nginx
    assert f"root {site.resolve()};" in nginx and "server_name twingraph.example;" in nginx


def test_site_command_builds_honours_the_base_iri_and_warns(runner: CliRunner, project: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(project)
    # data/links.ttl is written for the default base IRI; under another base its links would point nowhere
    (project / "data" / "links.ttl").unlink(missing_ok=True)
    result = runner.invoke(main, ["--base-iri", "https://kazan.example/", "site", "-o", "public"])
    assert result.exit_code == 0, result.output
    assert re.search(r"wrote \d{4} pages to public/", result.stdout)
    assert re.search(r"… writing resources: [\d,]+/[\d,]+ 100%", result.stderr)  # progress, counted
    assert "warning: left out https://kazan.example/ns#" not in result.stderr  # the ontology is not under this base
    turtle = Graph().parse(project / "public" / "person" / "ilsur-metshin.ttl", format="turtle")
    assert (URIRef("https://kazan.example/person/ilsur-metshin"), None, None) in turtle
    assert "server_name kazan.example;" in (project / "public" / "nginx.conf.example").read_text(encoding="utf-8")
    again = runner.invoke(main, ["--base-iri", "https://kazan.example/", "site", "-o", "data"])
    assert again.exit_code == 1
    assert "not a twingraph site" in again.output
