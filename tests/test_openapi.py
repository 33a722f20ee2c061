"""The OpenAPI description at /openapi.json: valid, complete, and true of the app under fuzzing (schemathesis).

The fuzzing draws each operation's requests from the served description
(schemathesis, positive and negative), with an Accept header of its own and, now
and then, a script payload in one of the request's values, and sends them to the
app in process (Starlette's TestClient, so the lifespan starts the query workers).
Each answer must have a documented status and media type, a 5xx only where
documented (429 and 503 with Retry-After), a 200 in a media type the Accept header
accepts, and no payload written raw into an HTML page.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from schemathesis import Case, GenerationMode, checks
from schemathesis.schemas import BaseSchema
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.testclient import TestClient

from twingraph.config import DUMP, Settings, find_root
from twingraph.pipeline import Built
from twingraph.rdf.formats import RdfFormat
from twingraph.serve import create_app, listings, openapi, results, views
from twingraph.serve.app import BODY_LIMIT, DUMP_TYPES, GRAPH_NAMES, GRAPH_OFFERS, HTML
from twingraph.serve.negotiation import parse_accept, weight
from twingraph.store import EmbeddedStore, load_queries

ROOT = find_root(Path(__file__).resolve().parent)
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# what the app is described from, as Site.api_description gathers it
FACTS = openapi.Api(load_queries(ROOT / "queries"), DUMP_TYPES, list(views.VIEWS), GRAPH_OFFERS, list(results.RESULTS),
                    GRAPH_NAMES, results.RESULT_NAMES | {"html": HTML}, BODY_LIMIT, listings.LISTINGS)  # fmt: skip
CHECKS = [checks.status_code_conformance, checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance]  # fmt: skip
# scripts that run if a page writes them unescaped; "tgxss" marks them as ours
PAYLOADS = ("<script>tgxss()</script>", '"><img src=x onerror=tgxss()>', "'><svg onload=tgxss()>",
            "</textarea><script>tgxss()</script>", '" onmouseover="tgxss()')  # fmt: skip
ATTACK = re.compile(r"<[^>]*(script|onerror|onload|alert)|\"\s*on\w+=", re.IGNORECASE)
MEDIA_RANGES = [*dict.fromkeys([*GRAPH_OFFERS, *results.RESULTS, "application/json", "text/plain", "*/*", "text/*",
                                "application/*", "image/png", "application/pdf"])]  # fmt: skip
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)
SUFFIXES = (*(f.suffix for f in RdfFormat), ".html")
# examples per operation (30 unless said): an unfiltered network query takes a second or two
EXAMPLES = {"GET /queries/network": 8, "GET /queries/map": 15}


def operations_of(document: dict[str, Any]) -> list[str]:
    """The labels (``GET /sparql``) of a description's operations."""
    return [f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
            if method in METHODS]  # fmt: skip


OPERATIONS = operations_of(openapi.openapi_document(FACTS))


@pytest.fixture(scope="module")
def client(built: Built, settings: Settings) -> Iterator[TestClient]:
    store = EmbeddedStore.from_file(settings.dist_dir / DUMP)
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def described(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture(scope="module")
def api_schema(described: dict[str, Any]) -> BaseSchema:
    return schemathesis.openapi.from_dict(described)


# -- the description ------------------------------------------------------------------------------


def test_the_description_is_valid_openapi(api_schema: BaseSchema, described: dict[str, Any]) -> None:
    api_schema.validate()  # the OpenAPI 3.1 meta-schema
    ids = [op["operationId"] for item in described["paths"].values() for m, op in item.items() if m in METHODS]
    assert len(ids) == len(set(ids))
    for path, item in described["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), f"{method} {path}: path parameters"


def test_what_is_served_is_the_description_of_the_app(described: dict[str, Any]) -> None:
    assert described == json.loads(json.dumps(openapi.openapi_document(FACTS)))
    assert operations_of(described) == OPERATIONS


def openapi_path(route: BaseRoute) -> str:
    """A route's path as OpenAPI writes it: ``{path:path}`` as ``{path}``, a mount's files as ``/static/{path}``."""
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", getattr(route, "path", ""))


def methods_of(route: BaseRoute) -> set[str]:
    """The methods a route answers, HEAD aside (Starlette adds it to GET); a mount's files answer GET."""
    return (route.methods or set()) - {"HEAD"} if isinstance(route, Route) else {"GET"}


def route_operations(routes: list[BaseRoute]) -> set[str]:
    """Each route's operations (``GET /sparql``)."""
    return {f"{method} {openapi_path(route)}" for route in routes for method in methods_of(route)}


def first_route(routes: list[BaseRoute], path: str, method: str) -> str:
    """The OpenAPI path of the route the app gives a request for ``path``."""
    scope = {"type": "http", "path": path, "root_path": "", "method": method}
    served = next((route for route in routes if route.matches(scope)[0] is Match.FULL), None)
    assert served is not None, f"no route serves {method} {path}"
    return openapi_path(served)


def test_every_route_of_the_app_is_documented(client: TestClient, described: dict[str, Any]) -> None:
    routes = client.app.routes  # type: ignore[attr-defined]
    assert route_operations(routes) - set(operations_of(described)) == set(), "routes without documentation"
    for label in operations_of(described):
        method, path = label.split(" ", 1)
        concrete = re.sub(r"\{\w+\}", "sample", path)
        served = first_route(routes, concrete, method)
        # a concrete path (/queries/timeline) is served by its template (/queries/{name}), not by the catch-all
        assert served == path or ("{" not in path and "{" in served and served != "/{path}"), (label, served)


def test_the_error_statuses_are_documented_with_their_meaning(described: dict[str, Any]) -> None:
    errors = described["components"]["responses"]
    for status in ("400", "403", "404", "406", "413", "415", "429", "500", "502", "503"):
        assert len(errors[status]["description"]) > 30
        assert set(errors[status]["content"]) == {"text/plain", "text/html"}
    assert str(BODY_LIMIT) in errors["413"]["description"]
    for status in ("429", "503"):
        assert errors[status]["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}
    for method in ("get", "post"):
        assert {"400", "403", "406", "413", "415", "429", "500", "502", "503"} <= set(
            described["paths"]["/sparql"][method]["responses"])  # fmt: skip
    network = described["paths"]["/queries/network"]["get"]
    assert {p["name"] for p in network["parameters"]} == {"year", "node", "format"}


@pytest.mark.parametrize(
    ("label", "path", "options", "status"),
    [
        ("GET /sparql", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
        ("GET /sparql", "/sparql", {"params": {"query": "SELECT * { SERVICE <http://x.example/> { ?s ?p ?o } }"}},
         403),
        ("POST /sparql", "/sparql", {"content": "INSERT DATA {}",
                                     "headers": {"content-type": "application/sparql-update"}}, 403),
        ("GET /{path}", "/no/such/thing", {}, 404),
        ("GET /sparql", "/sparql", {"params": {"query": "ASK {}"}, "headers": {"accept": "image/png"}}, 406),
        ("POST /sparql", "/sparql", {"content": "x" * (BODY_LIMIT + 1),
                                     "headers": {"content-type": "application/sparql-query"}}, 413),
        ("POST /sparql", "/sparql", {"content": "ASK {}", "headers": {"content-type": "text/plain"}}, 415),
        ("GET /queries/timeline", "/queries/timeline", {"params": {"year": "late"}}, 400),
        ("GET /queries/timeline", "/queries/timeline", {"params": {"year": "٢٠٢٣"}}, 400),
        ("GET /queries/network", "/queries/network", {"params": {"node": "http://["}}, 400),
        ("GET /queries/network", "/queries/network", {"params": {"node": "http://x.example/\x01"}}, 400),
        ("GET /queries/who-met-whom", "/queries/who-met-whom", {"params": {"person": "Мет\x02шин"}}, 400),
        ("GET /queries/timeline", "/queries/timeline", {"params": {"person": "\\u003c"}}, 400),
        ("GET /sparql", "/sparql", {"params": {"query": " # nothing\n"}}, 400),
        ("POST /sparql", "/sparql", {"data": {"query": ""}}, 400),
        ("GET /twingraph.nt", "/twingraph.nt", {"headers": {"range": "bytes=0-99"}}, 206),
        ("GET /twingraph.nt", "/twingraph.nt", {"headers": {"range": "bytes=999999999-"}}, 416),
    ],
)  # fmt: skip
def test_the_app_answers_errors_as_documented(client: TestClient, api_schema: BaseSchema, label: str, path: str,
                                              options: dict[str, Any], status: int) -> None:  # fmt: skip
    method = label.split(" ", 1)[0]
    response = client.request(method, path, **options)
    assert response.status_code == status, response.text
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None
    case = operation.Case(method=method, path_parameters={"path": path[1:]} if "{path}" in label else None)
    case.validate_response(response, checks=CHECKS)


def test_a_cut_answer_carries_the_header_the_description_names(built: Built, settings: Settings,
                                                                described: dict[str, Any]) -> None:  # fmt: skip
    results = [described["paths"]["/sparql"][method]["responses"]["200"] for method in ("get", "post")]
    results += [item["get"]["responses"]["200"] for path, item in described["paths"].items()
                if path.startswith("/queries/")]  # fmt: skip
    assert len(results) > 5 and all("X-Row-Limit-Reached" in r["headers"] for r in results)
    header = described["components"]["headers"]["X-Row-Limit-Reached"]
    store = EmbeddedStore.from_file(settings.dist_dir / DUMP)
    with TestClient(create_app(store, dataclasses.replace(settings, row_limit=3))) as capped:
        cut = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": "json"})
        named = capped.get("/queries/who-met-whom", params={"format": "csv"})
    for answer in (cut, named):
        assert answer.status_code == 200 and re.fullmatch(header["schema"]["pattern"], answer.headers[
            "x-row-limit-reached"]) and answer.headers["x-row-limit-reached"] == "3"  # fmt: skip


def test_the_description_is_cached_by_etag(client: TestClient) -> None:
    first = client.get("/openapi.json")
    again = client.get("/openapi.json", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_page_writes_its_input_unescaped(client: TestClient, payload: str) -> None:
    shown = str(escape(payload))
    requests_ = [
        ("/search", {"q": payload}, 200, True),
        ("/sparql", {"query": probe_query(payload)}, 200, True),
        ("/queries/city-timeline", {"city": payload}, 200, False),  # shown inside the query, as a SPARQL string
        ("/sparql", {"format": payload}, 400, False),
        (f"/views/{payload}", {}, 404, True),
        (f"/city/{payload}", {}, 404, True),
        (f"/queries/{payload}", {}, 404, False),
    ]
    for path, params, status, echoed in requests_:
        response = client.get(path, params=params, headers={"Accept": BROWSER})
        assert (response.status_code, response.headers["content-type"]) == (status, "text/html; charset=utf-8")
        assert payload not in response.text, f"{path} {params} writes {payload!r} unescaped"
        assert shown in response.text or not echoed, f"{path} {params} does not show {payload!r}"


# -- fuzzing ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strategies(api_schema: BaseSchema) -> dict[str, st.SearchStrategy[Case]]:
    """Each operation's requests: valid ones and, where it takes any input, invalid ones."""
    found = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        valid = operation.as_strategy(GenerationMode.POSITIVE)
        takes_input = bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))
        found[operation.label] = valid | operation.as_strategy(GenerationMode.NEGATIVE) if takes_input else valid
    return found


def accept_headers() -> st.SearchStrategy[str | None]:
    """Accept headers: none, the media types offered and others, with and without q, wildcards, junk."""
    quality = st.one_of(st.just(""), st.sampled_from([";q=0", ";q=0.5", ";q=1", ";q=x", ";q=-1", ";level=1"]),
                        st.floats(0, 1).map(lambda q: f";q={q:.3f}"))  # fmt: skip
    media_range = st.tuples(st.one_of(st.sampled_from(MEDIA_RANGES), HEADER_TEXT), quality).map("".join)
    # leading and trailing whitespace is not part of a header's value (requests refuses to record it)
    listed = st.lists(media_range, min_size=1, max_size=4).map(", ".join)
    return st.one_of(st.none(), st.sampled_from([HTML, BROWSER]), listed.map(str.strip), HEADER_TEXT.map(str.strip))


def probe_query(payload: str) -> str:
    """A query that answers the payload as a value, so a results page has it to write."""
    literal = payload.replace("\\", "\\\\").replace('"', '\\"')
    return f'SELECT ?x WHERE {{ BIND("{literal}" AS ?x) }}'


def injection_points(case: Case) -> list[Callable[[str], None]]:
    """Setters of the request's text values: path and query parameters, form fields, a query body."""
    points: list[Callable[[str], None]] = []
    for values in (case.path_parameters, case.query):
        for key, value in (values or {}).items():
            if isinstance(value, str):
                points.append(lambda text, values=values, key=key: values.__setitem__(
                    key, probe_query(text) if key == "query" else text))  # fmt: skip
    if isinstance(case.body, dict):
        points.append(lambda text: case.body.__setitem__("query", probe_query(text)))
    elif isinstance(case.body, str):
        points.append(lambda text: setattr(case, "body", probe_query(text)))
    return points


def send(client: TestClient, case: Case, accept: str | None) -> httpx2.Response:
    """The case sent to the app as schemathesis would send it over the wire (prepared by requests)."""
    fields = case.as_transport_kwargs(base_url=str(client.base_url))
    known = {"method", "url", "headers", "params", "data", "json", "cookies"}
    prepared = requests.Request(**{k: v for k, v in fields.items() if k in known}).prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in ("accept", "connection")}
    if accept is not None:
        headers["Accept"] = accept
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return client.request(str(prepared.method), str(prepared.url), headers=headers, content=body,
                          follow_redirects=False)


def sent_texts(case: Case) -> list[str]:
    """Every text value the request carried."""
    values: list[Any] = [*(case.path_parameters or {}).values(), *(case.query or {}).values()]
    values += list(case.body.values()) if isinstance(case.body, dict) else [case.body]
    flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
    return [v for v in flat if isinstance(v, str)]


def check_statuses(case: Case, response: httpx2.Response) -> None:
    """A 5xx only where documented; 429 and 503 say when to retry."""
    documented = case.operation.definition.raw["responses"]
    if response.status_code >= 500:
        assert str(response.status_code) in documented, f"undocumented {response.status_code}: {response.text}"
    if response.status_code == 500:
        assert "stopped the process evaluating it" in response.text, response.text
    if response.status_code in (429, 503):
        assert response.headers.get("retry-after", "").isdigit(), dict(response.headers)


def check_negotiated(case: Case, response: httpx2.Response, accept: str | None) -> None:
    """A negotiated 200 comes in a media type the Accept header accepts (unless ``format`` or a suffix chose it)."""
    names = {p["name"] for p in case.operation.definition.raw.get("parameters", [])}
    chosen = "format" in (case.query or {}) or (case.path_parameters or {}).get("path", "").endswith(SUFFIXES)
    if response.status_code != 200 or "format" not in names or chosen:
        return
    media = response.headers["content-type"].split(";")[0].strip()
    assert weight(media, parse_accept(accept)) > 0, f"{media} is not acceptable to {accept!r}"


def check_not_reflected(case: Case, response: httpx2.Response, payload: str | None) -> None:
    """No payload, and no generated value that looks like one, is written raw into an HTML page."""
    if not response.headers.get("content-type", "").startswith(HTML):
        return
    # a long generated value that looks like markup (schemathesis sends some) must not appear raw either
    looks_like_markup = [t for t in sent_texts(case) if len(t) >= 16 and ATTACK.search(t)]
    for text in [*([payload] if payload else []), *looks_like_markup]:
        assert text not in response.text, f"{text!r} is written unescaped into the page"


@pytest.mark.slow
@pytest.mark.parametrize("label", OPERATIONS)
def test_the_app_keeps_to_its_description_under_fuzzing(client: TestClient, strategies: dict[str, Any],
                                                        label: str) -> None:  # fmt: skip
    @settings(max_examples=EXAMPLES.get(label, 30), derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data())
    def exchange(data: st.DataObject) -> None:
        case: Case = data.draw(strategies[label], label="case")
        accept = data.draw(accept_headers(), label="accept")
        payload = data.draw(st.none() | st.sampled_from(PAYLOADS), label="payload")
        points = injection_points(case)
        if payload is not None and points:
            points[data.draw(st.integers(0, len(points) - 1), label="where")](payload)
        response = send(client, case, accept)
        case.validate_response(response, checks=CHECKS)
        check_statuses(case, response)
        check_negotiated(case, response, accept)
        check_not_reflected(case, response, payload)

    exchange()
