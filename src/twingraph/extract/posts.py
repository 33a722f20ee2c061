"""Persons found by the post before their name: «мэр г.Энска Ли Вэй», «послом ... Халидом аль-Рашиди».

NER misses names from languages it was not trained on. A post word (lexicon.ROLE_HEADS) or a form of
address (lexicon.HONORIFICS) followed by a phrase shaped like a name — capitalised words, hyphenated
particles («аль-», «бен-»), particles between words («ди», «фон»), initials — marks a person whatever
the language of the name. The rule keys only on those words and on the shape of the name.
"""

from __future__ import annotations

import re

from twingraph.extract import morph
from twingraph.extract.lexicon import HONORIFICS, NAME_PARTICLES, is_role_head, is_territory_noun, is_unit_noun
from twingraph.extract.models import Models

# an initial («Р.»), a word with its hyphenated parts («Жан-Батистом», «аль-Саифи»), or one other character
TOKEN = re.compile(r"[А-ЯЁ]\.|[А-Яа-яЁёA-Za-z0-9]+(?:-[А-Яа-яЁёA-Za-z0-9]+)*|\S")
NAME_WORD = re.compile(r"(?:[а-яё]{1,4}-)?[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*")
INITIAL = re.compile(r"[А-ЯЁ]\.")
ABBREVIATION = re.compile(r"[А-ЯЁA-Z][А-Яа-яЁёA-Za-z]*[А-ЯЁA-Z][А-Яа-яЁёA-Za-z]*")
HARD_STOPS = frozenset(',;:()!?"“”')
VERB_TAGS = frozenset({"VERB", "INFN", "GRND", "PRTS"})
NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
# how far past the post its name may start, in tokens: «почетным консулом Федеративной Республики ... в Энске»
REACH = 16

Token = tuple[int, int, str]

POST_WORD_KINDS = frozenset({"NOUN", "PRTF", "ADJF"})  # the parts of speech a post's words take


def is_place(word: str, places: set[str], models: Models) -> bool:
    """True when a word is a form of one of the page's cities (``places``, lower case)."""
    lowered = word.lower()
    if lowered in places or any(morph.is_city_form(lowered, p) for p in places):
        return True
    return any(p.normal_form in places for p in morph.parses(word, models))


def post_name_spans(text: str, places: set[str], models: Models) -> list[tuple[int, int]]:
    """The (start, stop) of each name written right after a post or a form of address, in order."""
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
    spans: list[tuple[int, int]] = []
    for i, (_, _, word) in enumerate(tokens):
        if not word[:1].isalpha() or not (word.lower() in HONORIFICS or is_role_head(word, models)):
            continue
        found = name_after(tokens, i + 1, places, models, morph.case(word, models, POST_WORD_KINDS))
        if found and (not spans or found[0] >= spans[-1][1]):
            spans.append(found)
    return spans


def name_after(tokens: list[Token], start: int, places: set[str], models: Models,
               case: str | None = None) -> tuple[int, int] | None:  # fmt: skip
    """The first name after a post: the first run of capitalised words that is a name once what belongs to
    the post is taken off its front (its city, country, institution, abbreviation).

    The search stops at punctuation, a verb, a number or the end of the sentence.
    """
    run: list[int] = []
    j = start
    while j < len(tokens) and j - start < REACH:
        word = tokens[j][2]
        if word == "«":
            j = next((k for k in range(j, len(tokens)) if tokens[k][2] == "»"), len(tokens))
        elif _in_name(tokens, j, run):
            run.append(j)
        else:
            found = _name_of_run(tokens, run, places, models, case)
            if found or _stops(tokens, j, models):
                return found
            run = []
        j += 1
    return _name_of_run(tokens, run, places, models, case)


def _in_name(tokens: list[Token], j: int, run: list[int]) -> bool:
    word = tokens[j][2]
    if NAME_WORD.fullmatch(word) or INITIAL.fullmatch(word):
        return True
    k = j  # particles may come in a row («ван дер», «де ла») before the name word they belong to
    while k < len(tokens) and tokens[k][2] in NAME_PARTICLES:
        k += 1
    following = tokens[k][2] if k < len(tokens) else ""
    return bool(run) and k > j and bool(NAME_WORD.fullmatch(following))


def _stops(tokens: list[Token], j: int, models: Models) -> bool:
    word = tokens[j][2]
    if word in HARD_STOPS or word[:1].isdigit():
        return True
    if word == ".":
        before = tokens[j - 1][2] if j else ""
        return not (before.islower() and len(before) <= 3)  # «г.», «им.» abbreviate; others end the sentence
    if word == "и":
        following = tokens[j + 1][2] if j + 1 < len(tokens) else ""
        return following[:1].isupper() or is_role_head(following, models)
    if word.islower() and word not in HONORIFICS:
        parses = morph.parses(word, models)  # «дел» is a verb's form too, but in a post («иностранных дел») a noun
        return bool(parses) and parses[0].tag.POS in VERB_TAGS and not any(p.tag.POS == "NOUN" for p in parses)
    return False


def _name_of_run(tokens: list[Token], run: list[int], places: set[str], models: Models,
                 case: str | None = None) -> tuple[int, int] | None:  # fmt: skip
    """The span of the name a run of capitalised words ends with, None when no name is left.

    After a post in an oblique case, a first word that cannot stand in that case while a later one
    does is the post's («консулом Энсии Тариком ...»: Энсии is not in the instrumental, Тариком is).
    """
    words = [tokens[k][2] for k in run]
    first = 0
    before = _word_before(tokens, run[0]) if run else ""
    if before.islower() and is_unit_noun(before, models) and not _known_name(words[0], case, models):
        if _is_name(words[1:]):
            first = 1  # «провинции Энань Ли Вэй»: the province's name, then the person's
        elif _is_place_noun(before, models) and _single_name(words, places, models):
            return tokens[run[1]][0], tokens[run[1]][1]  # «мэр города Энань Сетиаван»: one name, as many have
    while first < len(words):
        word = words[first]
        if is_unit_noun(word, models):  # «Республики Энсия», «Университета Энска»: the institution and its own name
            own = first + 1 < len(words) and _is_name(words[first + 2 :])
            own = own and not _known_name(words[first + 1], case, models)
            first += 2 if own else 1
        elif _belongs_to_post(word, places, models) or is_role_head(word, models):
            first += 1
        elif (
            case not in (None, "nomn", "gent")
            and _is_name(words[first + 1 :])
            and _disagrees(words[first:], case, models)
        ):
            first += 1
        else:
            break
    rest = words[first:]
    if not _is_name(rest) or any(_belongs_to_post(w, places, models) or is_role_head(w, models) for w in rest):
        return None
    if all(_common_word(w, models) for w in rest if not INITIAL.fullmatch(w)):
        return None  # «Исполкома Энска»: words of the dictionary, none of them a name
    return tokens[run[first]][0], tokens[run[-1]][1]


def _single_name(words: list[str], places: set[str], models: Models) -> bool:
    """Whether two words after a city's or territory's noun are its name and a person's single name.

    Both must be words the dictionary does not know as common ones, so that a unit's name of two
    words («города Новый Энск») is not split.
    """
    if len(words) != 2 or not all(NAME_WORD.fullmatch(w) for w in words):
        return False
    return not any(_common_word(w, models) for w in words) and not _belongs_to_post(words[1], places, models)


def _word_before(tokens: list[Token], at: int) -> str:
    """The word before ``at``, past the dots of an abbreviation («г.»); "" at the start."""
    k = at - 1
    while k >= 0 and tokens[k][2] == ".":
        k -= 1
    return tokens[k][2] if k >= 0 else ""


def _is_place_noun(word: str, models: Models) -> bool:
    """Whether a word is a city's or a territory's noun («г», «города», «аймака»), not an institution's."""
    return word == "г" or is_territory_noun(word, models) or morph.lemma(word, models) == "город"


def _belongs_to_post(word: str, places: set[str], models: Models) -> bool:
    """A city, a country or other geographic name, an abbreviation, or an adjective of the post's institution."""
    if INITIAL.fullmatch(word) or word in NAME_PARTICLES:
        return False
    if ABBREVIATION.fullmatch(word) or is_place(word, places, models):
        return True
    parses = morph.parses(word, models)
    if any(NAME_TAGS & set(p.tag.grammemes) for p in parses if p.is_known):
        return False
    # a possessive adjective («Ласточкина», «Кольцова») has the shape of a Russian surname
    return any(p.is_known and "Abbr" not in p.tag and ("Geox" in p.tag or (p.tag.POS == "ADJF" and "Poss" not in p.tag))
               for p in parses[:1])  # fmt: skip


def _disagrees(words: list[str], case: str, models: Models) -> bool:
    """Whether the first word reads as a genitive (the post's dependent) and not in ``case``, and a later one does."""

    def fits(word: str, wanted: str) -> bool:  # pymorphy guesses an unknown word indeclinable («Fixd»): not that
        return any(p.tag.case == wanted for p in morph.parses(word, models) if "Fixd" not in p.tag)

    first = words[0]
    if not NAME_WORD.fullmatch(first) or _known_name(first, None, models, any_case=True):
        return False
    if fits(first, case) or not fits(first, "gent"):
        return False
    return any(fits(w, case) for w in words[1:] if NAME_WORD.fullmatch(w))


def _common_word(word: str, models: Models) -> bool:
    """Whether the dictionary knows the word only as a common word, and one that declines.

    An indeclinable word or an abbreviation («Су», «Ли») is no evidence either way: a short
    foreign name is often spelled like one.
    """
    parses = morph.parses(word, models)
    known = all(p.is_known and not NAME_TAGS & set(p.tag.grammemes) for p in parses)
    return known and any("Fixd" not in p.tag and "Abbr" not in p.tag for p in parses)


def _known_name(word: str, case: str | None, models: Models, any_case: bool = False) -> bool:
    """Whether the dictionary knows the word as a name in the post's case (or the nominative, or any case)."""
    cases = {case or "nomn", "nomn"}
    return any(p.is_known and NAME_TAGS & set(p.tag.grammemes) and (any_case or p.tag.case in cases)
               for p in morph.parses(word, models))  # fmt: skip


def _is_name(words: list[str]) -> bool:
    """Whether words are shaped like a name: two to five words, or initials with a surname.

    >>> _is_name(["Лоренцо", "ди", "Сальвио"]), _is_name(["Т.", "В.", "Ласточкина"]), _is_name(["Энск"])
    (True, True, False)
    """
    initials = [w for w in words if INITIAL.fullmatch(w)]
    named = [w for w in words if NAME_WORD.fullmatch(w)]
    if not named or words[0] in NAME_PARTICLES or len(initials) > 2:
        return False
    if initials:
        return len(named) == 1 and (words[: len(initials)] == initials or words[-len(initials) :] == initials)
    return 2 <= len(named) <= 5
