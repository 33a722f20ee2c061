"""JSON-LD as a web developer reads it: full URLs or short terms (never a CURIE), dates as strings, framed documents.

Each document is also read back by a JSON-LD processor (pyld): every triple it states must
be in the dataset, and the flat export must state all of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyld import jsonld as pyld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from starlette.testclient import TestClient

from twingraph.cli import main
from twingraph.config import Settings
from twingraph.errors import TwingraphError
from twingraph.export import FRAMES, city_bundles, export_framed, json_bytes, jsonld, load_context, load_frame
from twingraph.pipeline import Built
from twingraph.rdf.jsonld import (
    DATE_TYPES,
    compacted,
    expanded,
    frame_types,
    framed,
    refuse_remote,
    to_triples,
    with_plain_dates,
)
from twingraph.rdf.namespaces import SCHEMA, TG
from twingraph.serve.app import create_app
from twingraph.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"@context", "@id", "@type", "@graph", "@value", "@language", "@reverse"}


@pytest.fixture(scope="module")
def context(settings: Settings) -> dict[str, Any]:
    return load_context(settings.ontology_dir)


@pytest.fixture(scope="module")
def flat(graph: Graph, context: dict[str, Any]) -> dict[str, Any]:
    return json.loads(jsonld(graph, context))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def documents(graph: Graph, settings: Settings) -> dict[str, dict[str, Any]]:
    """Each kind's framed export, as the command writes it."""
    return {kind: json.loads(export_framed(graph, settings.ontology_dir, kind)) for kind in FRAMES}


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every node object of a document, nested ones included (not value objects, not contexts)."""
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)
    elif isinstance(value, dict) and "@value" not in value:
        if "@id" in value:
            yield value
        for key, item in value.items():
            if key != "@context":
                yield from nodes(item)


def values(node: dict[str, Any], key: str) -> list[Any]:
    found = node.get(key, [])
    return found if isinstance(found, list) else [found]


def is_url(text: Any) -> bool:
    return isinstance(text, str) and text.startswith(("http://", "https://"))


def iri_terms(context: dict[str, Any]) -> set[str]:
    """The terms whose values are IRIs: typed @id or @vocab, and the reverse ones."""
    return {
        term
        for term, definition in context.items()
        if isinstance(definition, dict) and (definition.get("@type") in ("@id", "@vocab") or "@reverse" in definition)
    }


# -- 1. the published context: plain-JSON friendly ------------------------------------------------


def test_the_context_defines_no_prefix_so_no_iri_becomes_a_curie(context: dict[str, Any]) -> None:
    assert context["@version"] == 1.1
    definitions = [d for term, d in context.items() if not term.startswith("@")]
    iris = [d if isinstance(d, str) else d.get("@id", d.get("@reverse", "")) for d in definitions]
    assert iris and not [iri for iri in iris if iri.endswith(("/", "#", ":"))], "a prefix term would write CURIEs"


def test_every_property_of_the_dataset_has_a_short_term(graph: Graph, context: dict[str, Any]) -> None:
    terms = {(d if isinstance(d, str) else d.get("@id")) for d in context.values() if isinstance(d, (str, dict))}
    missing = {str(p) for p in set(graph.predicates()) if p != RDF.type and str(p) not in terms}
    assert not missing


def test_the_flat_export_has_no_curie_and_only_terms_as_keys(flat: dict[str, Any], context: dict[str, Any]) -> None:
    assert flat["@context"] == context, "the context is inline, so the file stands alone offline"
    linked = iri_terms(context)
    vocab = {t for t, d in context.items() if isinstance(d, dict) and d.get("@type") == "@vocab"}
    for node in nodes(flat["@graph"]):
        assert is_url(node["@id"]), node["@id"]
        assert all(t in context or is_url(t) for t in values(node, "@type")), node["@type"]
        for key in node:
            assert key in KEYWORDS or key in context, f"{key} is not a term of the context"
        for key in linked & set(node):
            assert all(is_url(v) or (key in vocab and v in context) for v in values(node, key)), (key, node[key])


def test_sameas_and_event_types_are_full_urls(flat: dict[str, Any]) -> None:
    by_id = {n["@id"]: n for n in flat["@graph"]}
    harbin = by_id["https://twingraph.example/city/harbin"]
    assert harbin["sameAs"] == ["http://www.wikidata.org/entity/Q42956"]
    event = by_id["https://twingraph.example/event/tehran-2023-05-25-meeting"]
    assert event["eventType"] == "https://twingraph.example/ns/event-type/meeting"
    assert "wd:" not in json.dumps(flat) and '"event-type:' not in json.dumps(flat)


def test_dates_are_strings_at_their_precision(graph: Graph, flat: dict[str, Any]) -> None:
    by_id = {n["@id"]: n for n in flat["@graph"]}
    for event, _, date in graph.triples((None, SCHEMA.startDate, None)):
        assert isinstance(date, Literal)
        node = by_id[str(event)]
        assert node["startDate"] == str(date), event
        typed = node.get("@context", {}).get("startDate", {}).get("@type", str(XSD.date))
        assert typed == str(date.datatype), "the node's own context keeps the precision"
    assert {str(d.datatype) for d in graph.objects(None, SCHEMA.startDate) if isinstance(d, Literal)} == DATE_TYPES


def test_the_flat_export_reads_back_as_the_graph_with_pyld_and_rdflib(graph: Graph, flat: dict[str, Any]) -> None:
    assert isomorphic(to_triples(flat), graph)
    assert isomorphic(Graph().parse(data=json.dumps(flat), format="json-ld"), graph)


def test_the_flat_export_writes_a_node_per_line_and_the_indented_document_s_json(
    graph: Graph, context: dict[str, Any], flat: dict[str, Any]
) -> None:
    text = jsonld(graph, context).decode("utf-8")
    lines = text.splitlines()
    start = lines.index('  "@graph": [')
    assert len(lines) - start - 3 == len(flat["@graph"]) > 1  # the nodes, between the bracket and the brace
    assert [json.loads(line.strip().removesuffix(",")) for line in lines[start + 1 : -2]] == flat["@graph"]
    assert flat == json.loads(json_bytes(compacted(graph, context)))  # what the indenting encoder writes


def test_nothing_is_fetched_while_reading_json_ld(context: dict[str, Any]) -> None:
    remote = {"@context": "https://schema.org/", "@id": "https://example.org/x", "name": "x"}
    with pytest.raises(pyld.JsonLdError) as raised:
        to_triples(remote)
    causes = []
    error: BaseException | None = raised.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, TwingraphError) for cause in causes), "the loader refused it; nothing was fetched"
    with pytest.raises(TwingraphError):
        refuse_remote("https://schema.org/")


# -- 2. framed exports ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FRAMES)
def test_every_triple_of_a_framed_document_is_in_the_dataset(kind: str, graph: Graph,
                                                             documents: dict[str, dict[str, Any]]) -> None:  # fmt: skip
    stated = to_triples(documents[kind])
    assert len(stated) > 100
    extra = [t for t in stated if t not in graph]
    assert not extra, f"{len(extra)} triples not in the dataset, e.g. {extra[:3]}"


KINDS = [("event", SCHEMA.Event), ("person", SCHEMA.Person), ("city", SCHEMA.City), ("agreement", TG.Agreement)]


@pytest.mark.parametrize(("kind", "cls"), KINDS)
def test_a_framed_document_has_one_object_per_resource_of_its_kind(
    kind: str, cls: URIRef, graph: Graph, documents: dict[str, dict[str, Any]]
) -> None:
    ids = [node["@id"] for node in documents[kind]["@graph"]]
    assert sorted(ids) == sorted(str(s) for s in set(graph.subjects(RDF.type, cls)))


def test_each_event_carries_its_place_attendees_and_dates(graph: Graph, documents: dict[str, dict[str, Any]]) -> None:
    events = documents["event"]["@graph"]
    assert len(events) == 128
    for event in events:
        iri = URIRef(event["@id"])
        assert event["name"] and event["startDate"] == str(graph.value(iri, SCHEMA.startDate))
        place = graph.value(iri, SCHEMA.location)
        if place is not None:
            assert event["location"]["@id"] == str(place)
            online = (place, RDF.type, SCHEMA.VirtualLocation) in graph
            assert event["location"].get("name") == str(graph.value(place, SCHEMA.name)) or online, "the place's name"
        attendees = {str(a) for a in graph.objects(iri, SCHEMA.attendee)}
        assert {a["@id"] for a in values(event, "attendee")} == attendees
        assert all(a["name"] for a in values(event, "attendee")), "each attendee with the name"
        assert [q["hasSelector"]["exact"] for q in values(event, "quote")], "the source sentence"


def test_each_event_says_who_took_part_in_which_post(graph: Graph, documents: dict[str, dict[str, Any]]) -> None:
    event = next(e for e in documents["event"]["@graph"] if e["@id"].endswith("/event/tehran-2023-05-25-meeting"))
    posts = {p["participant"]["name"]: p["post"]["name"] for p in values(event, "participation") if "post" in p}
    assert posts["Ильсур Метшин"] == "Мэр г.Казани"
    assert posts["Хамидреза Голамзаде"].startswith("Вице-мэр")
    assert event["superEvent"]["name"] and event["superEvent"]["startDate"] == "2023-05-25"


def test_every_sameas_of_a_framed_document_is_a_full_url(documents: dict[str, dict[str, Any]]) -> None:
    for kind, document in documents.items():
        links = [link for node in nodes(document["@graph"]) for link in values(node, "sameAs")]
        assert links, kind
        assert all(is_url(link) for link in links), kind


def test_a_framed_event_is_what_a_json_reader_expects(documents: dict[str, dict[str, Any]]) -> None:
    event = next(e for e in documents["event"]["@graph"] if e["@id"].endswith("/event/hangzhou-2002-exchange"))
    assert event["startDate"] == "2002" and event["endDate"] == "2018"
    assert isinstance(event["participation"], list) and isinstance(event["quote"], list), "a set is always a list"
    assert event["eventType"]["prefLabel"] == {"en": "exchange", "ru": "обмен"}
    festival = next(e for e in documents["event"]["@graph"] if "Festival" in e["@type"])
    assert festival["eventType"]["closeMatch"] == "https://schema.org/Festival"


def test_the_city_frame_bundles_agreements_and_events(graph: Graph, documents: dict[str, dict[str, Any]]) -> None:
    harbin = next(c for c in documents["city"]["@graph"] if c["@id"].endswith("/city/harbin"))
    iri = URIRef(harbin["@id"])
    assert {a["@id"] for a in harbin["partyTo"]} == {str(a) for a in graph.subjects(TG.party, iri)}
    events = {str(e) for e in graph.subjects(SCHEMA.about, iri) if (e, RDF.type, SCHEMA.Event) in graph}
    assert {e["@id"] for e in harbin["subjectOf"]} == events
    assert any(p.get("post") for e in harbin["subjectOf"] for p in values(e, "participation")), "the events' people"


def test_split_bundles_stand_alone_one_per_partner_city(graph: Graph, settings: Settings) -> None:
    context = load_context(settings.ontology_dir)
    bundles = city_bundles(graph, context, load_frame(settings.ontology_dir, "city"))
    partners = {str(c).rsplit("/", 1)[-1] + ".jsonld" for c in graph.subjects(RDF.type, TG.PartnerCity)}
    assert set(bundles) == partners and len(partners) == 10
    harbin = json.loads(bundles["harbin.jsonld"])
    assert harbin["@context"] == context and harbin["@id"].endswith("/city/harbin")
    stated = to_triples(harbin)
    assert all(t in graph for t in stated)
    assert (URIRef(harbin["@id"]), SCHEMA.name, Literal("Харбин", lang="ru")) in stated


# -- 1. the served description of a resource, framed by its kind ---------------------------------

SERVED = {"event": "/event/tehran-2023-05-25-meeting", "person": "/person/ilsur-metshin", "city": "/city/harbin",
          "agreement": "/agreement/wuhan-memorandum-of-intent-2025"}  # fmt: skip


@pytest.fixture(scope="module")
def client(built: Built, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt"), settings)) as app:
        yield app


def embedded_terms(frame: dict[str, Any]) -> set[str]:
    """The terms a frame nests an object under (a sub-frame that embeds)."""
    return {key for key, sub in frame.items() if isinstance(sub, dict) and sub.get("@embed") == "@always"}


def described_both_ways(client: TestClient, path: str, accept: str = "application/ld+json") -> tuple[Any, Graph]:
    """A resource's JSON-LD answer, parsed, and its Turtle answer as a graph."""
    answer = client.get(path, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    turtle = client.get(path, headers={"Accept": "text/turtle"}).text
    return json.loads(answer.text), Graph().parse(data=turtle, format="turtle", publicID=str(client.base_url))


@pytest.mark.parametrize("kind", FRAMES)
def test_a_served_description_is_framed_by_its_kind_and_holds_the_turtle(
    client: TestClient, settings: Settings, context: dict[str, Any], kind: str
) -> None:
    document, turtle = described_both_ways(client, SERVED[kind])
    frame = load_frame(settings.ontology_dir, kind)
    root, *rest = document["@graph"]
    assert root["@id"] == "https://twingraph.example" + SERVED[kind], "the resource comes first"
    assert frame_types(frame, context) & {context.get(t, t) for t in values(root, "@type")}
    nested = embedded_terms(frame) & set(root)
    assert nested, f"the {kind} nests none of the objects its frame embeds"
    for term in nested:
        for item in values(root, term):
            assert isinstance(item, dict) and "@id" in item and len(item) > 1, f"{term} is not a nested object: {item}"
    assert rest, "what the frame does not nest follows as flat nodes (names of what links here)"
    assert isomorphic(to_triples(document), turtle), "the JSON-LD holds the Turtle's triples, no more, no fewer"


def test_a_served_event_nests_its_place_and_attendees_with_their_names(client: TestClient) -> None:
    document, _ = described_both_ways(client, SERVED["event"], accept="application/json")
    event = document["@graph"][0]
    assert event["location"]["name"] and all(person["name"] for person in values(event, "attendee"))
    assert event["startDate"] == "2023-05-25"


def test_a_resource_of_no_framed_kind_is_served_flat(client: TestClient, graph: Graph) -> None:
    organization = next(iter(graph.subjects(RDF.type, SCHEMA.Organization)))
    path = str(organization).removeprefix("https://twingraph.example")
    document, turtle = described_both_ways(client, path)
    assert list(nodes(document["@graph"])) == document["@graph"], "no node is nested in another"
    assert isomorphic(to_triples(document), turtle)


def test_the_page_embeds_the_framed_json_ld_for_search_engines(client: TestClient) -> None:
    page = client.get(SERVED["event"], headers={"Accept": "text/html"}).text
    script = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    served = client.get(SERVED["event"], headers={"Accept": "application/ld+json"}).text
    assert json.loads(script) == json.loads(served)
    assert json.loads(script)["@graph"][0]["location"]["name"], "Google's Event needs its location, with a name"


def test_export_frame_event_writes_the_128_events(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "events.jsonld"
    result = runner.invoke(main, ["--dist", str(tmp_path / "dist"), "export", "--format", "jsonld", "--frame", "event",
                                  "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["@graph"]) == 128 and isinstance(document["@context"], dict)
    split = tmp_path / "cities"
    result = runner.invoke(main, ["--dist", str(tmp_path / "dist"), "export", "--format", "jsonld", "--frame", "city",
                                  "--split", str(split)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(list(split.glob("*.jsonld"))) == 10


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "turtle", "--frame", "event", "-o", "x.ttl"], "--frame needs --format jsonld"),
        (["--format", "jsonld", "--frame", "event", "--split", "out"], "--split needs --frame city"),
        (["--format", "jsonld"], "give either --output/-o or --split DIR"),
    ],
)
def test_export_options_that_do_not_go_together(runner: CliRunner, options: list[str], message: str) -> None:
    result = runner.invoke(main, ["export", *options])
    assert result.exit_code == 2 and message in result.output


def test_a_frame_names_only_terms_of_the_context(settings: Settings, context: dict[str, Any]) -> None:
    def keys(frame: Any) -> Iterator[str]:
        if isinstance(frame, dict):
            for key, value in frame.items():
                yield key
                yield from keys(value)

    for kind in FRAMES:
        frame = load_frame(settings.ontology_dir, kind)
        unknown = {k for k in keys(frame) if not k.startswith("@") and k not in context and not is_url(k)}
        assert not unknown, (kind, unknown)
        assert framed(Graph(), frame, context)["@graph"] == []


def test_the_dump_compacts_what_pylds_own_expansion_gives(graph: Graph, context: dict[str, Any]) -> None:
    """``compacted`` skips pyld's expansion of its input: the result is the one with that expansion."""
    options = {"graph": True, "documentLoader": refuse_remote}
    with_expansion = pyld.compact(expanded(graph), {"@context": dict(context)}, options)
    assert compacted(graph, context) == with_plain_dates(with_expansion, context)
    assert any(isinstance(value, int) for node in nodes(compacted(graph, context)) for value in node.values())
