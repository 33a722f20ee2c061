"""The NLP models an extraction needs, loaded once and passed down explicitly."""

from __future__ import annotations

import dataclasses
from typing import Any

from natasha import NewsEmbedding, NewsNERTagger, Segmenter
from pymorphy3 import MorphAnalyzer
from yargy import Parser

from twingraph.extract.grammars import date_grammar


@dataclasses.dataclass(frozen=True, repr=False)
class Models:
    """Natasha's NER (its weights ship inside the wheels), pymorphy3 and the compiled grammars."""

    segmenter: Segmenter
    ner: NewsNERTagger
    morph: MorphAnalyzer
    dates: Parser
    cache: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return "Models(natasha NER, pymorphy3, yargy dates)"


def load_models() -> Models:
    """Load the models from the installed packages; nothing is downloaded."""
    return Models(
        segmenter=Segmenter(),
        ner=NewsNERTagger(NewsEmbedding()),
        morph=MorphAnalyzer(),
        dates=Parser(date_grammar()),
    )
