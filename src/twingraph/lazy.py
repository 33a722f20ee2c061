"""Module attributes imported on first use (PEP 562), for the packages' public names."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each exported name from its module when first asked for.

    >>> getattr_ = lazy_attributes("example", {"dumps": "json"})
    >>> getattr_("dumps")([1])
    '[1]'
    >>> getattr_("loads")
    Traceback (most recent call last):
    ...
    AttributeError: module 'example' has no attribute 'loads'
    """

    def attribute(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return attribute
