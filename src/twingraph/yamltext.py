"""YAML text read safely, with the line of every field: UTF-8 only, no anchors or aliases, no duplicate keys,
bounded depth; every refusal names the line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from twingraph.model import Location
from twingraph.problems import ProblemsError, Site, error

Lines = dict[Location, int]
AnyMark = Any  # a place in a YAML text, PyYAML's yaml.Mark or libyaml's: .line and .column, 0-based
# records nest five levels deep; far more is a mistake or an attack on the recursive composer
MAX_DEPTH = 64
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
ALIASES = "YAML anchors and aliases (&name, *name) are not allowed in records: write the value out"


def mark_at(text: str, index: int, name: str) -> yaml.Mark:
    """The line and column (0-based, as in YAML's marks) of character ``index`` of a text.

    >>> mark = mark_at("a: 1\\nb: 2", 6, "a.yaml")
    >>> mark.line + 1, mark.column + 1
    (2, 2)
    """
    start = text.rfind("\n", 0, index) + 1
    return yaml.Mark(name, index, text.count("\n", 0, index), index - start, None, 0)


class YamlError(ProblemsError):
    """A YAML text that cannot be read; ``problems`` says where and why."""

    def __init__(self, rule: str, message: str, name: str, mark: Any) -> None:
        super().__init__([error(rule, message, Site(name, mark.line + 1 if mark else None))], "the YAML was not read.")


# libyaml's loader when PyYAML has it: the same nodes and marks for valid YAML, about eight
# times faster; its errors point elsewhere, so a file that fails is read again by PyYAML's own
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def decode_text(data: bytes, name: str) -> str:
    """The text of a file's bytes, which must be UTF-8; a byte that is not is reported with its line.

    >>> decode_text("city: Казань".encode(), "a.yaml")
    'city: Казань'

    Raises:
        YamlError: ``file.binary`` (not UTF-8 and holding NUL bytes: an image, an archive...) or
            ``file.encoding`` (another encoding, such as cp1251), at the line of the first byte that is not UTF-8.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")  # all before the first bad byte is UTF-8
        mark = mark_at(good, len(good), name)
        where = f"byte 0x{data[exc.start]:02x} at byte {exc.start:,} (column {mark.column + 1}): {exc.reason}"
        if b"\x00" in data:
            raise YamlError("file.binary", f"binary data, not a YAML text (NUL bytes; {where})", name, mark) from exc
        message = f"not UTF-8: {where}; records and pages are UTF-8: convert it (e.g. iconv -f cp1251 -t utf-8)"
        raise YamlError("file.encoding", message, name, mark) from exc


def check_nodes(root: yaml.Node, name: str) -> None:
    """Refuses aliases, deep nesting and duplicate keys in a composed YAML text, before it is constructed.

    Composing shares an aliased node instead of copying it, so an alias bomb (a few
    hundred bytes naming a list of lists nine times over) is a small graph here; a
    node met twice is an alias, refused before anything is expanded. A duplicate
    key is refused where YAML would silently keep the last value.

    Raises:
        YamlError: ``yaml.alias``, ``yaml.too-deep`` or ``yaml.duplicate-key``, with the line.
    """
    seen: set[int] = set()
    todo = [(root, 1)]
    while todo:
        node, depth = todo.pop()
        if id(node) in seen:
            raise YamlError("yaml.alias", ALIASES, name, node.start_mark)
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YamlError("yaml.too-deep", TOO_DEEP, name, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicate_keys(node, name)
            todo.extend((value, depth + 1) for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, depth + 1) for item in node.value)


def _refuse_duplicate_keys(node: yaml.MappingNode, name: str) -> None:
    first: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue  # a mapping or a list as a key: the schema refuses it
        if key.value in first:
            message = f"duplicate key {key.value!r} (first given on line {first[key.value]})"
            raise YamlError("yaml.duplicate-key", message, name, key.start_mark)
        first[key.value] = key.start_mark.line + 1


def refuse_anchors(text: str, name: str, loader_class: Any) -> None:
    """Refuses a YAML anchor (``&name``) even when nothing refers to it, reading events only.

    Raises:
        YamlError: ``yaml.alias`` at the anchor's line.
        yaml.YAMLError: not YAML.
    """
    for event in yaml.parse(text, Loader=loader_class):
        if getattr(event, "anchor", None):
            raise YamlError("yaml.alias", ALIASES, name, event.start_mark)


def compose(text: str, name: str, loader_class: Any) -> tuple[Any, yaml.Node | None]:
    """The data of a YAML text and its root node, checked by :func:`check_nodes` before it is built.

    Raises:
        yaml.YAMLError: not YAML.
        YamlError: an alias, nesting too deep or a duplicate key.
    """
    if "&" in text:  # the only way to write an anchor; an alias alone fails to compose
        refuse_anchors(text, name, loader_class)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        check_nodes(node, name)
        try:
            return loader.construct_document(node), node
        except ValueError as exc:  # a scalar YAML reads as a date that does not exist, such as 2023-02-31
            bad = impossible_timestamp(node, loader)
            raise YamlError("yaml.value", f"{bad.value if bad else 'a value'} is not a date that exists ({exc})",
                            name, bad.start_mark if bad else None) from exc  # fmt: skip
    except RecursionError as exc:  # PyYAML's own composer recurses: only on text libyaml refused (1,000 deep)
        raise YamlError("yaml.too-deep", TOO_DEEP, name, too_deep_mark(text, name)) from exc
    finally:
        loader.dispose()


def impossible_timestamp(root: yaml.Node, loader: Any) -> yaml.ScalarNode | None:
    """The first scalar YAML reads as a timestamp that cannot be built (a day the month lacks), if any.

    >>> loader = yaml.SafeLoader("a: [2024-02-29, 2023-02-31]")
    >>> impossible_timestamp(loader.get_single_node(), loader).value
    '2023-02-31'
    """
    todo = [root]
    while todo:
        node = todo.pop(0)
        if isinstance(node, yaml.MappingNode):
            todo += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader.construct_yaml_timestamp(loader, node)
            except ValueError:
                return node
    return None


def too_deep_mark(text: str, name: str) -> AnyMark | None:
    """Where the first node nested deeper than MAX_DEPTH starts, read from the parser's events (a loop, no recursion).

    >>> too_deep_mark("a: 1\\nb: " + "[" * 70 + "]" * 70, "a.yaml").line + 1
    2
    """
    depth = 0  # the collections open around the next node
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.NodeEvent) and depth + 1 > MAX_DEPTH:
                return event.start_mark
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        return syntax_mark(exc, text, name)
    return None


def syntax_mark(exc: yaml.YAMLError, text: str, name: str) -> AnyMark | None:
    """Where a YAML error is: its problem's mark, or for a character YAML refuses (NUL...), that character's."""
    if isinstance(exc, yaml.reader.ReaderError):
        return mark_at(text, exc.position, name)
    return getattr(exc, "problem_mark", None)


def syntax_message(exc: yaml.YAMLError) -> str:
    """What is wrong with a text that is not YAML, in a line.

    >>> syntax_message(yaml.reader.ReaderError("a.yaml", 3, 0, "unicode", "special characters are not allowed"))
    'not valid YAML: the character U+0000 (a NUL byte) is not allowed (special characters are not allowed)'
    """
    if isinstance(exc, yaml.reader.ReaderError):
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        nul = " (a NUL byte)" if code == 0 else ""
        return f"not valid YAML: the character U+{code:04X}{nul} is not allowed ({exc.reason})"
    return f"not valid YAML: {getattr(exc, 'problem', None) or exc}"


def _node_lines(node: yaml.Node, path: Location = ()) -> Iterator[tuple[Location, int]]:
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield (*path, key.value), key.start_mark.line + 1
            yield from _node_lines(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_lines(item, (*path, index))


def read_yaml(text: str, name: str) -> tuple[Any, Lines]:
    """Parse YAML text, returning the data and the line of every path in it.

    Raises:
        YamlError: not YAML (``yaml.syntax``), an alias or anchor, a duplicate key, too deep.
    """
    try:
        data, node = compose(text, name, FAST_LOADER)
    except yaml.YAMLError:
        try:
            data, node = compose(text, name, yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise YamlError("yaml.syntax", syntax_message(exc), name, syntax_mark(exc, text, name)) from exc
    return data, (dict(_node_lines(node)) if node is not None else {})


# -- one file -------------------------------------------------------------------------------------
