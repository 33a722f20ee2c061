"""JSON-LD compaction of a flat graph, with pyld's answer taken once per kind of value.

Compacting a flat, expanded graph, pyld handles each node on its own and each value of a
node on its own: it picks the term the value goes under and writes the value in the form
that term asks for. Both choices depend on the value's property and its *kind* (a node
reference or a blank node; a string, number or boolean, with its datatype and language),
not on its text. So pyld compacts one small node per kind, with a stand-in where the text
goes, and every value of the graph is then written from the answer for its kind (its
*template*). A graph holds far fewer kinds than values (78 kinds of value for 167,098 triples from
`twingraph synth --cities 155`).

Nothing is taken on trust. Every kind is compacted twice, with a different stand-in, and
once more with two values: a template is used only when pyld's other answers are the ones
the template predicts, so the text passes through untouched and values join as predicted.
An IRI that the context itself names may compact to a term, so it is a kind of its own.
A context whose IRIs compact by their text (``@vocab``, ``@base``, a term that can serve
as a prefix, a keyword alias, a scoped context) or a node this module does not know how
to read (``@reverse``, ``@list``, ``@index``, ...) is not templated: :func:`templated` returns
None and the caller compacts with pyld whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Node = dict[str, Any]
Kind = tuple[Any, ...]
Compact = Callable[[list[Node]], list[Node]]

# the characters after which a term's IRI makes the term usable as a prefix (JSON-LD 1.1 gen-delims)
GEN_DELIMS = tuple(":/?#[]@")
# the keys an expanded value object of a flat graph may have
VALUE_KEYS = ({"@id"}, {"@value"}, {"@value", "@type"}, {"@value", "@language"})
# values per probe node below which pyld compacting the graph whole is quicker than probing it
# (measured: a resource's description of 171 triples took 7.6 ms with pyld, 16.2 ms with templates)
WORTH_IT = 3
STAND_INS: dict[str, tuple[Any, Any]] = {
    "str": ("twingraph stand-in one \u2063", "twingraph stand-in two \u2063"),
    "int": (1_000_001, 2_000_002),
    "float": (1.25, 2.5),
    "iri": ("https://stand-in.invalid/one", "https://stand-in.invalid/two"),
    "blank": ("_:stand-in-one", "_:stand-in-two"),
}


@dataclass(frozen=True)
class Template:
    """How pyld writes one kind of value: under which key, in which form, and whether as an array.

    Attributes:
        key: the term (or the property's IRI) the value goes under.
        map_key: for a term whose container is a map (a language map), the value's key in it.
        item: the compacted value, with ``stand_in`` where the value's text or number goes.
        stand_in: the stand-in in ``item``; None when the kind is the value itself (a boolean).
        as_array: the term always holds an array, even of one value.
    """

    key: str
    map_key: str | None
    item: Any
    stand_in: Any
    as_array: bool


def plain_context(context: Mapping[str, Any]) -> bool:
    """True when no IRI is compacted by its text, so that one stand-in IRI speaks for all the others.

    That rules out ``@vocab`` and ``@base`` (IRIs made relative), terms that can serve as a
    prefix (compact IRIs), keyword aliases and scoped contexts.

    >>> plain_context({"name": "https://schema.org/name", "knows": {"@id": "https://schema.org/knows", "@type": "@id"}})
    True
    >>> plain_context({"schema": "https://schema.org/"}), plain_context({"@vocab": "https://schema.org/"})
    (False, False)
    >>> plain_context({"id": "@id"}), plain_context({"ex": {"@id": "https://x.example/p", "@prefix": True}})
    (False, False)
    """
    if "@vocab" in context or "@base" in context:
        return False
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        if ":" in term or definition is None:
            return False
        if isinstance(definition, str):
            if definition.startswith("@") or definition.endswith(GEN_DELIMS):
                return False
        elif not isinstance(definition, dict) or definition.get("@prefix") or "@context" in definition:
            return False
        elif str(definition.get("@id", "")).startswith("@"):
            return False
    return True


def named_iris(context: Mapping[str, Any]) -> frozenset[str]:
    """Every IRI the context names: such an IRI may compact to a term, so it is compacted as itself.

    >>> sorted(named_iris({"@language": "ru", "Event": "https://schema.org/Event",
    ...                    "date": {"@id": "https://schema.org/date", "@type": "http://x.example/d"}}))
    ['http://x.example/d', 'https://schema.org/Event', 'https://schema.org/date']
    """
    found: set[str] = set()
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        if isinstance(definition, str):
            found.add(definition)
        elif isinstance(definition, dict):
            found.update(str(value) for key, value in definition.items() if key in ("@id", "@reverse", "@type"))
    return frozenset(found)


def value_kind(value: Any, named: frozenset[str]) -> Kind | None:
    """The kind of an expanded value object: what its compaction depends on. None: not one this module reads.

    >>> named = frozenset({"https://schema.org/Event"})
    >>> value_kind({"@value": "Казань", "@language": "ru"}, named), value_kind({"@value": 3}, named)
    (('str', None, 'ru'), ('int', None, None))
    >>> value_kind({"@value": True}, named), value_kind({"@id": "_:b1"}, named)
    (('bool', True), ('blank',))
    >>> value_kind({"@id": "https://x.example/a"}, named)
    ('iri',)
    >>> value_kind({"@id": "https://schema.org/Event"}, named), value_kind({"@list": []}, named)
    (('named', 'https://schema.org/Event'), None)
    """
    if not isinstance(value, dict) or set(value) not in VALUE_KEYS:
        return None
    if "@id" in value:
        iri = value["@id"]
        if not isinstance(iri, str):
            return None
        if iri in named:
            return ("named", iri)
        return ("blank",) if iri.startswith("_:") else ("iri",)
    text = value["@value"]
    if isinstance(text, bool):
        return ("bool", text)
    if type(text).__name__ not in STAND_INS:
        return None
    return (type(text).__name__, value.get("@type"), value.get("@language"))


def stand_in_value(kind: Kind, which: int) -> tuple[Any, Node]:
    """The stand-in of a kind (first or second) and the expanded value object that holds it.

    >>> stand_in_value(("str", None, "ru"), 0)
    ('twingraph stand-in one \u2063', {'@value': 'twingraph stand-in one \u2063', '@language': 'ru'})
    >>> stand_in_value(("named", "https://schema.org/Event"), 1)
    (None, {'@id': 'https://schema.org/Event'})
    """
    if kind[0] == "named":
        return None, {"@id": kind[1]}
    if kind[0] == "bool":
        return None, {"@value": kind[1]}
    stand_in = STAND_INS[kind[0]][which]
    if kind[0] in ("iri", "blank"):
        return stand_in, {"@id": stand_in}
    value: Node = {"@value": stand_in}
    if kind[1] is not None:
        value["@type"] = kind[1]
    if kind[2] is not None:
        value["@language"] = kind[2]
    return stand_in, value


def filled(template: Any, stand_in: Any, value: Any) -> Any:
    """The template with ``value`` where the stand-in is (a copy: templates are shared).

    >>> filled({"@value": "S", "@language": "en"}, "S", "Kazan"), filled(["S"], "S", "x"), filled(1, 1.0, 2)
    ({'@value': 'Kazan', '@language': 'en'}, ['x'], 1)
    """
    if stand_in is not None and type(template) is type(stand_in) and template == stand_in:
        return value
    if isinstance(template, dict):
        return {key: filled(item, stand_in, value) for key, item in template.items()}
    if isinstance(template, list):
        return [filled(item, stand_in, value) for item in template]
    return template


def add_value(target: Node, key: str, item: Any, as_array: bool) -> None:
    """Add a compacted value under a key as JSON-LD compaction does: a second value makes an array."""
    if key not in target:
        target[key] = [item] if as_array else item
    elif isinstance(target[key], list):
        target[key].append(item)
    else:
        target[key] = [target[key], item]


def put(node: Node, template: Template, text: Any) -> None:
    """Write one value into a compacted node, from its kind's template."""
    item = filled(template.item, template.stand_in, text)
    if template.map_key is None:
        add_value(node, template.key, item, template.as_array)
    else:
        add_value(node.setdefault(template.key, {}), template.map_key, item, template.as_array)


def is_map_key(key: str) -> bool:
    """Whether a key of a compacted value is a map's key (a language, or ``@none``) rather than a keyword.

    >>> is_map_key("en"), is_map_key("@none"), is_map_key("@value")
    (True, True, False)
    """
    return key == "@none" or not key.startswith("@")


def read_template(answer: Node, stand_in: Any) -> Template | None:
    """The template in pyld's answer for a node of one value; None when its shape is not one this module writes."""
    keys = [key for key in answer if key != "@id"]
    if len(keys) != 1:
        return None
    key, written = keys[0], answer[keys[0]]
    map_key = None
    if isinstance(written, dict) and len(written) == 1 and is_map_key(next(iter(written))):
        map_key, written = next(iter(written.items()))
    as_array = isinstance(written, list)
    if as_array and len(written) != 1:
        return None
    return Template(key, map_key, written[0] if as_array else written, stand_in, as_array)


def probes(prop: str, kind: Kind, index: int) -> list[Node]:
    """The three nodes pyld compacts for one (property, kind): one value, the other stand-in, two values."""
    _, first = stand_in_value(kind, 0)
    _, second = stand_in_value(kind, 1)
    return [
        {"@id": f"_:probe-{index}-a", prop: [first]},
        {"@id": f"_:probe-{index}-b", prop: [second]},
        {"@id": f"_:probe-{index}-c", prop: [first, second]},
    ]


def checked_template(prop: str, kind: Kind, answers: list[Node]) -> Template | None:
    """The template of one (property, kind), if pyld's three answers agree with it; else None."""
    stand_in, _ = stand_in_value(kind, 0)
    other, _ = stand_in_value(kind, 1)
    template = read_template(answers[0], stand_in)
    if template is None:
        return None
    checks = [(other, answers[1]), ((stand_in, other), answers[2])]
    for text, answer in checks if stand_in is not None else checks[:1]:
        predicted: Node = {"@id": answer.get("@id")}
        for one in text if isinstance(text, tuple) else (text,):
            put(predicted, template, one)
        if predicted != answer:
            return None
    return template


def type_value(types: list[str], compacted_types: Mapping[str, Any]) -> Any:
    """A node's ``@type`` as compaction writes it: one type as itself, more as an array."""
    written = [compacted_types[iri] for iri in types]
    return written[0] if len(written) == 1 else written


@dataclass(frozen=True)
class Templates:
    """Everything needed to compact a graph's nodes without pyld: a template per (property, kind), a term per type."""

    values: Mapping[tuple[str, Kind], Template]
    types: Mapping[str, Any]
    named: frozenset[str]

    def node(self, expanded: Node) -> Node:
        """One expanded node compacted: ``@id``, ``@type``, then its properties in the order pyld writes them."""
        result: Node = {"@id": expanded["@id"]}
        for key in sorted(expanded):
            if key == "@type":
                result["@type"] = type_value(expanded["@type"], self.types)
            elif key != "@id":
                for value in expanded[key]:
                    kind = value_kind(value, self.named)
                    put(result, self.values[(key, kind)], value.get("@value", value.get("@id")))  # type: ignore[index]
        return result


def node_kinds(node: Node, named: frozenset[str]) -> tuple[set[tuple[str, Kind]], set[str]] | None:
    """One expanded node's (property, kind) pairs and types; None if it holds what this module does not read.

    >>> node = {"@id": "_:a", "@type": ["https://x.example/T"], "https://x.example/p": [{"@value": 1}]}
    >>> node_kinds(node, frozenset())
    ({('https://x.example/p', ('int', None, None))}, {'https://x.example/T'})
    >>> node_kinds({"@id": "_:a", "@reverse": {}}, frozenset()) is None
    True
    """
    pairs: set[tuple[str, Kind]] = set()
    types: set[str] = set()
    if not isinstance(node.get("@id"), str):
        return None
    for key, values in node.items():
        if key == "@id":
            continue
        if not isinstance(values, list) or (key.startswith("@") and key != "@type"):
            return None
        if key == "@type":
            if not all(isinstance(iri, str) for iri in values):
                return None
            types.update(values)
            continue
        kinds = [value_kind(value, named) for value in values]
        if None in kinds:
            return None
        pairs.update((key, kind) for kind in kinds if kind is not None)
    return pairs, types


def graph_kinds(nodes: list[Node], named: frozenset[str]) -> tuple[list[tuple[str, Kind]], list[str]] | None:
    """The (property, kind) pairs and the types of a graph's nodes, in a stable order; None as :func:`node_kinds`."""
    pairs: set[tuple[str, Kind]] = set()
    types: set[str] = set()
    for node in nodes:
        found = node_kinds(node, named)
        if found is None:
            return None
        pairs |= found[0]
        types |= found[1]
    return sorted(pairs, key=repr), sorted(types)


def templated(nodes: list[Node], context: Mapping[str, Any], compact: Compact, least: float) -> Templates | None:
    """The templates for these expanded nodes under this context, each checked against pyld.

    Args:
        nodes: a flat graph in expanded form (node objects with ``@id``, ``@type`` and
            properties whose values are value objects or node references).
        context: the context they are compacted with.
        compact: pyld's compaction of a list of expanded nodes with that context, as node objects.
        least: how many values per probe node the graph must hold for templates to be worth
            their probes; below it, None.

    Returns:
        The templates; None when the context or a node cannot be templated, when a probe's
        answers disagree, or when the graph is too small to be worth it.
    """
    if not plain_context(context):
        return None
    named = named_iris(context)
    found = graph_kinds(nodes, named)
    if found is None:
        return None
    ordered_pairs, ordered_types = found
    batch = [node for index, (prop, kind) in enumerate(ordered_pairs) for node in probes(prop, kind, index)]
    batch += [{"@id": f"_:type-{index}", "@type": [iri]} for index, iri in enumerate(ordered_types)]
    if len(ordered_types) > 1:
        batch.append({"@id": "_:types", "@type": ordered_types[:2]})
    identifiers = [STAND_INS["iri"][0], STAND_INS["blank"][0], *sorted(named & {node["@id"] for node in nodes})]
    batch += [{"@id": identifier} for identifier in identifiers]
    if sum(len(values) for node in nodes for values in node.values() if isinstance(values, list)) < least * len(batch):
        return None
    answers = compact(batch)
    if len(answers) != len(batch):
        return None
    values: dict[tuple[str, Kind], Template] = {}
    for index, pair in enumerate(ordered_pairs):
        template = checked_template(*pair, answers[3 * index : 3 * index + 3])
        if template is None:
            return None
        values[pair] = template
    rest = answers[3 * len(ordered_pairs) :]
    compacted_types = {iri: rest[index].get("@type") for index, iri in enumerate(ordered_types)}
    if any(set(rest[index]) != {"@id", "@type"} for index in range(len(ordered_types))):
        return None
    expected_ids = [{"@id": identifier} for identifier in identifiers]
    if len(ordered_types) > 1:
        expected_ids.insert(0, {"@id": "_:types", "@type": type_value(ordered_types[:2], compacted_types)})
    if rest[len(ordered_types) :] != expected_ids:
        return None
    return Templates(values, compacted_types, named)


def compacted_nodes(
    nodes: list[Node], context: Mapping[str, Any], compact: Compact, least: float = WORTH_IT
) -> list[Node] | None:
    """The nodes compacted from their kinds' templates (what ``compact`` gives), or None (see :func:`templated`)."""
    templates = templated(nodes, context, compact, least)
    return None if templates is None else [templates.node(node) for node in nodes]


@dataclass
class GrowingTemplates:
    """Templates for a graph read one node at a time: a node whose kinds are new is probed when it comes.

    For a graph too large to hold as expanded nodes (the build's JSON-LD dump, read back from
    the sorted N-Triples). Each probe is :func:`templated` on that one node, with every check.

    >>> from pyld import jsonld
    >>> context = {"name": "https://schema.org/name"}
    >>> options = {"graph": True, "skipExpansion": True}  # as twingraph.rdf.jsonld.pyld_compacted asks
    >>> pyld = lambda nodes: jsonld.compact(nodes, {"@context": context}, options)["@graph"]
    >>> growing = GrowingTemplates.start(context, pyld)
    >>> growing.node({"@id": "https://x.example/a", "https://schema.org/name": [{"@value": "A"}]})
    {'@id': 'https://x.example/a', 'name': 'A'}
    >>> growing.node({"@id": "https://x.example/b", "https://schema.org/name": [{"@list": []}]}) is None
    True
    """

    context: Mapping[str, Any]
    compact: Compact
    templates: Templates
    ids: set[str]  # the IRIs the context names that have been probed as a node's @id

    @classmethod
    def start(cls, context: Mapping[str, Any], compact: Compact) -> GrowingTemplates | None:
        """No templates yet; None when the context is not one whose IRIs compact alike (:func:`plain_context`)."""
        empty = Templates({}, {}, named_iris(context))
        return cls(context, compact, empty, set()) if plain_context(context) else None

    def node(self, expanded: Node) -> Node | None:
        """The node compacted; None when it cannot be templated, and pyld must compact the graph whole."""
        known = self.templates
        identifier = expanded.get("@id")
        if identifier not in known.named or identifier in self.ids:
            try:
                return known.node(expanded)
            except KeyError:  # a (property, kind) or a type not probed yet
                pass
        more = templated([expanded], self.context, self.compact, least=0)
        if more is None:
            return None
        self.ids.add(str(identifier))
        self.templates = Templates({**known.values, **more.values}, {**known.types, **more.types}, known.named)
        return self.templates.node(expanded)
