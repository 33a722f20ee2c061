"""SHACL shapes compiled to SPARQL SELECT queries that return the violations, one query per constraint.

Covers the part of SHACL Core the shapes use and SHACL-SPARQL constraints (``sh:sparql``
with ``sh:select``); a shape with anything else raises :class:`UnsupportedShapeError`
naming the shape and the feature, so that no constraint is ever skipped in silence.
Pure: no I/O, no query engine; :mod:`twingraph.validate` runs the queries.
"""

from twingraph.shacl.compiler import Check, compile_shapes
from twingraph.shacl.shapes import UnsupportedShapeError, render_path, sparql_term

__all__ = ["Check", "UnsupportedShapeError", "compile_shapes", "render_path", "sparql_term"]
