"""CityFile -> YAML text in the format of data/records/, quotes exactly as on the page."""

from __future__ import annotations

import re
from typing import Any

import yaml

from twingraph.model import CityFile

HEADER = "# Extracted by `twingraph extract` from {source}; review every record before committing.\n"


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text («О городе»), flow style for nothing."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else '"' if re.fullmatch(r"\d{4}(?:-\d\d){0,2}", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _clean(value: Any) -> Any:
    """Drop empty and default values; dates become their ISO text."""
    if isinstance(value, dict):
        if set(value) == {"text"} and isinstance(value["text"], str):
            return value["text"]
        out = {}
        for key, item in value.items():
            cleaned = _clean(item)
            if cleaned in (None, (), [], {}) or (key == "online" and cleaned is False):
                continue
            if key == "approximate" and cleaned is False:
                continue
            out[key] = cleaned
        if "quote" in out:
            out["quote"] = out.pop("quote")  # the evidence last, as a reviewer reads it
        return out
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def city_file_yaml(city_file: CityFile) -> str:
    """The YAML text of one records file.

    The output loads back with ``twingraph.records.parse_city_file`` to an equal CityFile.
    """
    data = _clean(city_file.model_dump(mode="json"))
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000)
    return HEADER.format(source=city_file.source) + text
