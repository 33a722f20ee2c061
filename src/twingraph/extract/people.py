"""Persons in a paragraph: natasha's NER spans, cleaned, in the nominative (pymorphy3), with their roles."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from natasha import Doc

from twingraph.extract import morph
from twingraph.extract.lexicon import HONORIFICS, ROLE_HEADS, is_role_head
from twingraph.extract.models import Models
from twingraph.extract.posts import is_place as _is_place
from twingraph.extract.posts import post_name_spans

INITIALS = re.compile(r"^(?P<initials>(?:[А-ЯЁ]\.\s?){1,2})(?P<surname>[А-ЯЁ][а-яё\-]+)$")
INITIALS_AFTER = re.compile(r"^(?P<surname>[А-ЯЁ][а-яё\-]+)\s?(?P<initials>(?:[А-ЯЁ]\.\s?){1,2})$")
WORD = re.compile(r"[А-Яа-яЁёA-Za-z0-9№+\-]+|[^\sА-Яа-яЁёA-Za-z0-9]")
STOP_WORDS = {"с", "со", "во", "лице", "главе"}
CASE_AFTER = {"с": "ablt", "со": "ablt", "лице": "gent"}


@dataclasses.dataclass(frozen=True)
class Mention:
    """A person named in a text: nominative name, the words as written, where, and the role."""

    name: str
    written: str
    start: int
    stop: int
    role: str | None = None
    review: str | None = None  # why a reviewer should check the name's nominative


def entity_spans(text: str, models: Models) -> list[tuple[int, int, str, str]]:
    """Natasha's NER spans of ``text`` as (start, stop, type, text); each text is tagged once."""
    cache = models.cache.setdefault("ner", {})
    if text not in cache:
        doc = Doc(text)
        doc.segment(models.segmenter)
        doc.tag_ner(models.ner)
        cache[text] = [(s.start, s.stop, s.type, s.text) for s in doc.spans]
    return cache[text]  # type: ignore[no-any-return]


def person_spans(text: str, models: Models) -> list[tuple[int, int, str]]:
    """Natasha's PER spans of ``text`` as (start, stop, text)."""
    return [(a, b, t) for a, b, kind, t in entity_spans(text, models) if kind == "PER"]


def words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


def clean_span(text: str, start: int, stop: int, places: set[str], models: Models) -> tuple[int, int] | None:
    """Trim role words and place names off a PER span; None when no name is left."""
    tokens = [(start + a, start + b, w) for a, b, w in words(text[start:stop]) if w not in {".", ","}]
    while tokens and (is_role_head(tokens[0][2], models) or _is_place(tokens[0][2], places, models)
                      or tokens[0][2].lower() in HONORIFICS):  # fmt: skip
        tokens = tokens[1:]
    if not tokens or any(_is_place(w, places, models) for _, _, w in tokens):
        return None
    first, last = tokens[0][0], tokens[-1][1]
    span = text[first:last]
    if INITIALS.match(span.replace(" ", "")):
        return first, last
    after = re.match(r"(?:\s?[А-ЯЁ]\.){1,2}", text[last:])
    if after and len(tokens) == 1:
        return first, last + after.end()
    if INITIALS_AFTER.match(span.replace(" ", "")):
        return first, last + (1 if text[last : last + 1] == "." else 0)
    if len(tokens) < 2 or any(not w[:1].isupper() for _, _, w in tokens if w != "-"):
        return None
    if re.search(r"\b(?:им\.|имени|музей\w*)\s*$", text[max(0, first - 12) : first], re.I) or "-" in span.split()[0]:
        return None
    if _inside_quotes(text, first):
        return None
    return first, last


def _inside_quotes(text: str, at: int) -> bool:
    before = text[:at]
    return before.count("«") > before.count("»")


NAME_ENDINGS = {
    "ablt": (("ом", ""), ("ём", ""), ("ым", ""), ("им", ""), ("ой", "а"), ("ей", "я"), ("ем", "ь")),
    "gent": (("ой", "а"), ("ы", "а"), ("а", ""), ("я", "ь")),
    "accs": (("у", "а"), ("ю", "я"), ("а", "")),
    "datv": (("ой", "а"), ("у", ""), ("ю", "ь"), ("е", "а")),
    "loct": (("ой", "а"), ("е", "")),
}
# the same after a vowel, where Russian writes «я» (feminine: Кая, Каи, Каю, Каей) or «й» (masculine: Андрей,
# Андрея, Андрею, Андреем, Андрее) in the nominative. A post read as a genitive («поздравил мэра ...») may be
# the animate accusative, which has the same form: its name may then be in the accusative («Прию»)
VOWEL_STEM_ENDINGS = {
    "ablt": (("ей", "я"), ("ем", "й")),
    "gent": (("и", "я"), ("я", "й"), ("ю", "я")),
    "accs": (("ю", "я"), ("я", "й")),
    "datv": (("и", "я"), ("ю", "й")),
    "loct": (("и", "я"), ("е", "й")),
}
NAME_TAGS = {"Name", "Surn", "Patr"}


def nominative_token(word: str, case: str | None, models: Models, gender: str | None = None) -> str:
    """One word of a name or role in the nominative, given the case it stands in.

    Dictionary words are inflected by pymorphy3; a word it does not know loses the case ending of
    ``case`` (a foreign name written undeclined keeps its form).
    """
    if case in (None, "nomn") or not re.match(r"^[А-Яа-яЁё\-]+$", word):
        return word
    known = dictionary_nominative(word, case, models) or guessed_nominative(word, case, models)
    return known or _strip_ending(word, case)


def guessed_nominative(word: str, case: str, models: Models) -> str | None:
    """The nominative of a name the dictionary does not know, by pymorphy3's guess from its ending, when the
    guess reads it as a given name or surname in ``case`` first: «Невальей» (instrumental) -> «Невалья».

    Its likeliest parse must be such a guess: a word whose ending says nothing (a Chinese or French name
    written undeclined) has none, and keeps its form.
    """
    found = morph.parses(word, models)
    first = found[0] if found else None
    if first is None or first.is_known or first.tag.case != case or first.tag.number == "plur":
        return None
    if not {"Name", "Surn"} & set(first.tag.grammemes):
        return None
    form = first.inflect({"nomn", "sing"})
    return _same_case(form.word, word) if form is not None else None


def dictionary_nominative(word: str, case: str, models: Models) -> str | None:
    """The nominative pymorphy3's dictionary gives for a word in ``case``; None when it does not know the word."""
    for parse in morph.parses(word, models):
        tag = parse.tag
        if tag.case != case or tag.number == "plur" or not parse.is_known:
            continue
        if tag.POS in {"ADJF", "PRTF"} or (tag.POS == "NOUN" and (NAME_TAGS & set(tag.grammemes) or "anim" in tag)):
            form = parse.inflect({"nomn", "sing"}) or parse.inflect({"nomn"})
            if form is not None:
                return _same_case(form.word, word)
    return None


CASE_NAMES = {"gent": "genitive", "datv": "dative", "accs": "accusative", "ablt": "instrumental",
              "loct": "prepositional"}  # fmt: skip


def name_review(written: str, name: str, case: str | None, models: Models) -> str | None:
    """A note for the reviewer when a name in an oblique case has words the dictionary does not know.

    Such a word was put in the nominative by its ending alone, or kept as written when it has none.
    """
    if case in (None, "nomn"):
        return None
    words = [w for w in re.findall(r"[А-Яа-яЁё][А-Яа-яЁё\-]*", written) if len(w) > 1 or w.islower()]
    unknown = [w for w in words if w[:1].isupper() and dictionary_nominative(w, case, models) is None]
    if not unknown:
        return None
    how = "kept as written" if name == written else f"put in the nominative as «{name}» by its endings"
    return (f"review: «{written}» stands in the {CASE_NAMES.get(case, case)} and the dictionary does not know "
            f"{', '.join(f'«{w}»' for w in unknown)}: {how}")  # fmt: skip


def _strip_ending(word: str, case: str) -> str:
    """A word the dictionary does not know, in the nominative by its case ending (``NAME_ENDINGS``, and
    ``VOWEL_STEM_ENDINGS`` after a vowel); as written when it has none.

    Russian writes «ь» after «ж ш ч щ» only in the feminine, whose oblique forms keep it (ночью): a
    masculine name ending in one takes none (Ковачем: Ковач, as Игорем: Игорь).

    >>> _strip_ending("Каи", "gent"), _strip_ending("Прию", "gent"), _strip_ending("Ондреем", "ablt")
    ('Кая', 'Прия', 'Ондрей')
    >>> _strip_ending("Ковачем", "ablt"), _strip_ending("Игорем", "ablt")
    ('Ковач', 'Игорь')
    """
    lowered = word.lower()
    for ending, replacement in NAME_ENDINGS.get(case, ()):
        stem = lowered[: -len(ending)]
        if lowered.endswith(ending) and len(stem) >= 2 and stem[-1] not in "аеёиоуыэюяь":
            return word[: -len(ending)] + ("" if replacement == "ь" and stem[-1] in "жшчщ" else replacement)
    for ending, replacement in VOWEL_STEM_ENDINGS.get(case, ()):
        stem = lowered[: -len(ending)]
        if lowered.endswith(ending) and len(stem) >= 2 and stem[-1] in "аеиоуэ":
            return word[: -len(ending)] + replacement
    return word


def _singular_nominative(word: str, case: str | None, models: Models) -> str:
    """A post's word in the nominative singular: «Заместители» -> «Заместитель», «главным» -> «главный»."""
    for parse in morph.parses(word, models):
        if parse.tag.case == (case or "nomn") and parse.tag.POS in {"NOUN", "ADJF", "PRTF"}:
            form = parse.inflect({"nomn", "sing"})
            if form is not None:
                return _same_case(form.word, word)
    return word


def _same_case(new: str, old: str) -> str:
    if old.isupper() and len(old) > 1:
        return new.upper()
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def mention_case(role_head: str | None, before: str, tokens: list[str], models: Models) -> str | None:
    """The grammatical case a person mention stands in, from its role word or the words before it."""
    if role_head:
        parses = [p for p in morph.parses(role_head, models) if p.tag.POS in {"NOUN", "PRTF", "ADJF"}]
        if parses and not parses[0].is_known:
            return str(parses[0].tag.case)  # a word pymorphy guesses: its likeliest case
        cases = [p.tag.case for p in parses]
        if cases:
            return "nomn" if "nomn" in cases else cases[0]
    tail = before.strip().split()[-1:] if before.strip() else []
    if tail and tail[0].lower() in CASE_AFTER:
        return CASE_AFTER[tail[0].lower()]
    first = [p.tag.case for p in morph.parses(tokens[0], models) if "Name" in p.tag and p.is_known]
    if "nomn" in first or not first:
        return "nomn"
    return str(first[0])


def nominative_name(tokens: list[str], case: str | None, models: Models) -> str:
    """«Марией Сидоровой» -> «Мария Сидорова»; «Амир Хоссейни» (undeclined) stays."""
    gender = _name_gender(tokens, case, models)
    return " ".join(given_name_first([nominative_token(t, case, models, gender) for t in tokens], models))


def given_name_first(words: list[str], models: Models) -> list[str]:
    """«Ласточкина Татьяна» -> «Татьяна Ласточкина»: records write the given name first.

    Only a surname and a given name the dictionary knows are swapped; a name whose order the
    dictionary cannot tell (Chinese, Japanese, Korean) stays in the page's order, and so does
    a name of two single syllables led by an indeclinable surname: Russian writes Chinese and
    Korean names surname first, and «Ян» after «Хань» is a Chinese given name, not a Russian one.
    """
    if _surname_first_syllables(words, models):
        return words
    surname = _known_as(words[0], "Surn", models) or _known_as(words[0], "Poss", models)  # «Ласточкина», «Кольцова»
    if len(words) == 2 and _known_as(words[1], "Name", models) and surname:
        return [words[1], words[0]]
    if len(words) == 2 and _read_as(words[0], "Surn", models) and _read_as(words[1], "Name", models):
        return [words[1], words[0]]  # words the dictionary does not know, read by their endings alone
    return words


def syllables(word: str) -> int:
    """How many syllables a Cyrillic word has: its vowels.

    >>> syllables("Хань"), syllables("Ян"), syllables("Татьяна")
    (1, 1, 3)
    """
    return sum(letter in "аеёиоуыэюя" for letter in word.lower())


def _surname_first_syllables(words: list[str], models: Models) -> bool:
    """Whether a name is two single syllables, the first a surname the dictionary knows as indeclinable
    («Хань Ян», «Ли Вэй»): the order of Chinese and Korean names, which Russian keeps."""
    if len(words) != 2 or any(syllables(word) != 1 for word in words):
        return False
    return any(p.is_known and {"Surn", "Fixd"} <= set(p.tag.grammemes) for p in morph.parses(words[0], models))


def _read_as(word: str, grammeme: str, models: Models) -> bool:
    """Whether a word the dictionary does not know reads, by its ending, only as a given name («Name») or only as
    a surname («Surn») in the nominative: pymorphy3 guesses «Гцамова» a surname and «Невалья» a given name."""
    found = [p for p in morph.parses(word, models) if p.tag.case == "nomn" and p.tag.number != "plur"]
    other = "Name" if grammeme == "Surn" else "Surn"
    return bool(found) and not any(p.is_known for p in found) and grammeme in found[0].tag \
        and not any(other in p.tag for p in found)


def _known_as(word: str, grammeme: str, models: Models) -> bool:
    """Whether the dictionary knows the word as a given name («Name») or surname («Surn») in the nominative."""
    return any(p.is_known and {grammeme, "sing", "nomn"} <= set(p.tag.grammemes) for p in morph.parses(word, models))


def _name_gender(tokens: list[str], case: str | None, models: Models) -> str | None:
    for token in tokens:
        for parse in morph.parses(token, models):
            if ("Name" in parse.tag or "Surn" in parse.tag) and (case is None or parse.tag.case == case):
                return str(parse.tag.gender) if parse.tag.gender else None
    return None


def role_before(text: str, start: int, floor: int, models: Models) -> tuple[str | None, str | None]:
    """The role phrase that ends where a name starts: «Мэр г.Энска», «Вице-мэром г.Энска, главным ...»."""
    chunk = text[floor:start]
    toks = words(chunk)
    begin = len(toks)
    for i in range(len(toks) - 1, -1, -1):
        word = toks[i][2]
        if _is_boundary(word, toks, i, models):
            break
        begin = i
    toks = toks[begin:]
    heads = [i for i, (_, _, w) in enumerate(toks) if is_role_head(w, models)]
    if not heads:
        return None, None
    first = heads[0]
    while first > 0 and _is_modifier(toks[first - 1][2], models):
        first -= 1
    phrase = chunk[toks[first][0] :].strip()
    phrase = _strip_honorifics(phrase)
    return (phrase.strip(" ,") or None), toks[heads[0]][2]


def _is_boundary(word: str, toks: list[tuple[int, int, str]], i: int, models: Models) -> bool:
    lowered = word.lower()
    if lowered in STOP_WORDS and lowered != "и":
        return True
    if lowered in {":", ";", "(", ")", "«", "»", '"'}:
        return True
    if lowered == "и":
        rest = [w for _, _, w in toks[i + 1 : i + 3]]
        return bool(rest) and (
            is_role_head(rest[0], models)
            or (_is_modifier(rest[0], models) and len(rest) > 1 and is_role_head(rest[1], models))
        )
    parses = morph.parses(word, models)
    return bool(parses) and parses[0].tag.POS in {"VERB", "INFN", "PRTS", "GRND"} and not word[:1].isupper()


def _is_modifier(word: str, models: Models) -> bool:
    parses = morph.parses(word, models)
    return bool(parses) and parses[0].tag.POS in {"ADJF", "PRTF"} and word.lower() not in {"который", "которая"}


def _strip_honorifics(phrase: str) -> str:
    pattern = r"[\s,]+(?:" + "|".join(re.escape(h) for h in sorted(HONORIFICS, key=len, reverse=True)) + r")\s*$"
    return re.sub(pattern, "", phrase, flags=re.I)


def role_after(text: str, stop: int, limit: int, models: Models) -> tuple[str | None, str | None]:
    """A role written after the name: «г-жой Лин Мэй, заместителем директора ..., для участия»."""
    match = re.match(r"\s*,\s*([^,.;:]+(?:,\s*[^,.;:]+)?)", text[stop:limit])
    if not match:
        return None, None
    if stop + match.end() >= limit - 1 and limit < len(text):
        return None, None  # the phrase runs into the next name: it is that person's role
    part = match.group(1).split(",")[0].strip()
    toks = words(part)
    if not toks or not (is_role_head(toks[0][2], models) or _is_modifier(toks[0][2], models)):
        return None, None
    head = next((w for _, _, w in toks if is_role_head(w, models)), None)
    if head is None:
        return None, None
    cut = re.split(r"\s+(?:для|в|на|с|по случаю)\s+(?=[а-яё])", part)[0]
    return cut.strip(), head


def nominative_role(role: str, models: Models) -> str:
    """A role phrase with its head noun and the adjectives before it in the nominative.

    Each comma-separated post is inflected on its own; the dependents after the head stay as written.
    """
    parts = [p.strip() for p in re.split(r",\s*", role) if p.strip()]
    out = []
    for part in parts:
        toks = words(part)
        heads = [i for i, (_, _, w) in enumerate(toks) if is_role_head(w, models)]
        if not heads:
            out.append(part)
            continue
        head = heads[0]
        case = mention_case(toks[head][2], "", [], models)
        pieces = list(part)
        for a, b, w in reversed(toks[: head + 1]):
            pieces[a:b] = list(_singular_nominative(w, case, models))
        text = "".join(pieces)
        out.append(text)
    joined = ", ".join(out)
    return joined[:1].upper() + joined[1:]


def find_mentions(text: str, places: set[str], models: Models, starts: tuple[int, ...] = (0,)) -> list[Mention]:
    """Every person named in ``text``, in order, with nominative name and role.

    ``starts`` are the offsets where sentences begin: a role never reaches back over one.
    """
    mentions: list[Mention] = []
    floor = 0
    spans = person_and_post_spans(text, places, models)
    for n, (a, b) in enumerate(spans):
        floor = max([floor, *(s for s in starts if s <= a)])
        limit = spans[n + 1][0] if n + 1 < len(spans) else len(text)
        role, head = role_before(text, a, floor, models)
        if role is None and mentions and re.fullmatch(r"\s*и\s*", text[floor:a]):
            mentions.append(_named(text, a, b, mentions[-1].role, None, floor, models))
            floor = b
            continue
        if role is None:
            role, head = role_after(text, b, limit, models)
        mentions.append(_named(text, a, b, nominative_role(role, models) if role else None, head, floor, models))
        floor = b
    return mentions


def person_and_post_spans(text: str, places: set[str], models: Models) -> list[tuple[int, int]]:
    """The names of ``text``: those after a post (posts.py), then NER's that overlap none of them, in order."""
    posts = [s for s in post_name_spans(text, places, models) if not _inside_quotes(text, s[0])]
    tagged = [c for s in person_spans(text, models) if (c := clean_span(text, s[0], s[1], places, models))]
    kept = [t for t in tagged if all(t[1] <= a or t[0] >= b for a, b in posts)]
    return sorted([*posts, *kept])


def _named(text: str, a: int, b: int, role: str | None, head: str | None, floor: int, models: Models) -> Mention:
    written = text[a:b]
    tokens = written.split()
    case = mention_case(head, text[floor:a], tokens, models)
    name = _initials_name(written, case, models) or nominative_name(tokens, case, models)
    return Mention(name, written, a, b, role, name_review(written, name, case, models))


def _initials_name(written: str, case: str | None, models: Models) -> str | None:
    """«М.И.Сидоровой» -> «М.И.Сидорова»; «Орлов П.С.» -> «П.С.Орлов» (initials first, as records write them)."""
    compact = written.replace(" ", "")
    match = INITIALS.match(compact) or INITIALS_AFTER.match(compact + ("" if compact.endswith(".") else "."))
    if not match:
        return None
    return match["initials"].replace(" ", "") + _surname_nominative(match["surname"], case, models)


def _surname_nominative(surname: str, case: str | None, models: Models) -> str:
    """A surname alone in the nominative; «-ова», «-ева», «-ина» in the genitive may be a woman's nominative."""
    return nominative_token(surname, case, models)


def resolve_initials(names: Iterable[str]) -> dict[str, str]:
    """Map «М.И.Сидорова» to «Мария Сидорова» when exactly one full name fits.

    >>> resolve_initials(["М.И.Сидорова", "Мария Сидорова", "П.С.Орлов"])
    {'М.И.Сидорова': 'Мария Сидорова'}
    """
    pool = list(dict.fromkeys(names))
    full = [n for n in pool if not INITIALS.match(n)]
    found = {}
    for name in pool:
        match = INITIALS.match(name)
        if not match:
            continue
        first = match["initials"][0]
        # the surname may have lost a woman's «-а» when its case was guessed: compare the stem
        stem = match["surname"][: max(4, len(match["surname"]) - 1)]
        size = len(match["surname"])
        fits = [
            f for f in full if f.split()[-1].startswith(stem) and abs(len(f.split()[-1]) - size) <= 1 and f[0] == first
        ]
        if len(set(fits)) == 1:
            found[name] = fits[0]
    return found


PATRONYMIC = re.compile(r"(?:[оеё]вич|[оеё]вна|ична|инична)$")


def resolve_patronymics(names: Iterable[str]) -> dict[str, str]:
    """Map a full name with a patronymic («Лаптева Ирина Олеговна», «Ирина Олеговна Лаптева») to the name
    without it («Ирина Лаптева») when the page writes that one too.

    >>> resolve_patronymics(["Орлов Павел Сергеевич", "Павел Орлов", "Мария Ильинична Сидорова"])
    {'Орлов Павел Сергеевич': 'Павел Орлов'}
    """
    pool = list(dict.fromkeys(names))
    short = set(pool)
    found = {}
    for name in pool:
        words = name.split()
        if len(words) != 3:
            continue
        if PATRONYMIC.search(words[2]):  # surname first: Орлов Павел Сергеевич
            candidate = f"{words[1]} {words[0]}"
        elif PATRONYMIC.search(words[1]):  # Павел Сергеевич Орлов
            candidate = f"{words[0]} {words[2]}"
        else:
            continue
        if candidate in short:
            found[name] = candidate
    return found


__all__ = ["ROLE_HEADS", "Mention", "find_mentions", "nominative_role", "resolve_initials", "resolve_patronymics"]
