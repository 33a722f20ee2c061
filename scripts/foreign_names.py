"""Write the evaluation list of foreign names as Russian writes them: Chinese and Japanese names from Faker.

    pip install faker
    python scripts/foreign_names.py > tests/fixtures/extract/names/foreign-names.tsv

The names come from Faker's person providers (MIT licence; ``zh_CN`` and ``ja_JP``,
their romanized surnames and given names), never from a page of this project. They are
put into Cyrillic by the systems Russian uses for them: Palladius for Mandarin pinyin,
Polivanov for Japanese romaji (Hepburn or Kunrei), written with the rules below (a transcription system,
not a list of names). Each line: the language, the name in Latin letters, the name in
Cyrillic, surname first for Chinese (as Russian writes Chinese names) and given name
first for Japanese (as Russian news does). The list is deterministic: the providers'
lists are read whole and sorted, and every surname and given name is used.
"""

from __future__ import annotations

import argparse
import re
import sys

# -- Mandarin: pinyin -> Palladius ------------------------------------------------------------------

INITIALS = {"zh": "чж", "ch": "ч", "sh": "ш", "b": "б", "p": "п", "m": "м", "f": "ф", "d": "д", "t": "т", "n": "н",
            "l": "л", "g": "г", "k": "к", "h": "х", "j": "цз", "q": "ц", "x": "с", "r": "ж", "z": "цз", "c": "ц",
            "s": "с"}  # fmt: skip
# finals after a consonant; the palatal ones (i-, ü-) soften it: «лянь», «цзюй»
FINALS = {"a": "а", "ai": "ай", "an": "ань", "ang": "ан", "ao": "ао", "e": "э", "ei": "эй", "en": "энь",
          "eng": "эн", "er": "эр", "o": "о", "ong": "ун", "ou": "оу", "i": "и", "ia": "я", "ian": "янь",
          "iang": "ян", "iao": "яо", "ie": "е", "in": "инь", "ing": "ин", "iong": "юн", "iu": "ю", "u": "у",
          "ua": "уа", "uai": "уай", "uan": "уань", "uang": "уан", "ui": "уй", "un": "унь", "uo": "о",
          "v": "юй", "ve": "юэ", "van": "юань", "vn": "юнь"}  # fmt: skip
# syllables with no initial, as pinyin spells them with y- and w-
ZERO = {"a": "а", "ai": "ай", "an": "ань", "ang": "ан", "ao": "ао", "e": "э", "ei": "эй", "en": "энь", "eng": "эн",
        "er": "эр", "o": "о", "ou": "оу", "yi": "и", "ya": "я", "yao": "яо", "ye": "е", "you": "ю", "yan": "янь",
        "yin": "инь", "yang": "ян", "ying": "ин", "yong": "юн", "yu": "юй", "yue": "юэ", "yuan": "юань",
        "yun": "юнь", "wu": "у", "wa": "ва", "wo": "во", "wai": "вай", "wei": "вэй", "wan": "вань", "wen": "вэнь",
        "wang": "ван", "weng": "вэн"}  # fmt: skip
RETROFLEX = {"zh", "ch", "sh", "r"}  # their «i» is «и»: «чжи», «ши», «жи»
SIBILANT = {"z", "c", "s"}  # their «i» is «ы»: «цзы», «цы», «сы»
PALATAL = {"j", "q", "x"}  # their «u» is «ü»: «цзюй», «сюань»


def pinyin_syllables() -> dict[str, str]:
    """Every pinyin syllable (tones and ü written as v dropped) and its Palladius spelling."""
    out = dict(ZERO)
    for initial, cyrillic in INITIALS.items():
        for final, sound in FINALS.items():
            written = final
            if initial in PALATAL:
                if final.startswith("v"):
                    written = "u" + final[1:]
                elif final.startswith("u") or final in {"a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "o",
                                                        "ong", "ou", "er"}:  # fmt: skip
                    continue  # j, q, x take only i- and ü- finals
            elif final.startswith("v") and initial not in {"n", "l"}:
                continue
            if final == "i" and initial in SIBILANT:
                sound = "ы"
            if final == "uo" and initial in {"b", "p", "m", "f"}:
                continue
            if final == "o" and initial not in {"b", "p", "m", "f"}:
                continue
            out.setdefault(initial + written, cyrillic + sound)
    return out


def split_pinyin(word: str, syllables: dict[str, str]) -> list[str] | None:
    """A pinyin word split into syllables, longest first with backtracking; None if it is not pinyin."""
    word = word.lower().replace("ü", "v").replace("'", "")
    if not word:
        return []
    for size in range(min(6, len(word)), 0, -1):
        head = word[:size]
        if head in syllables:
            rest = split_pinyin(word[size:], syllables)
            if rest is not None:
                return [head, *rest]
    return None


def palladius(word: str, syllables: dict[str, str]) -> str | None:
    """A pinyin word in Cyrillic, the syllables written together («Guiying» -> «Гуйин»).

    >>> table = pinyin_syllables()
    >>> [palladius(w, table) for w in ("Zhang", "Xiuying", "Jianguo", "Li", "Zi", "Xue", "Yun", "Lv")]
    ['Чжан', 'Сюин', 'Цзяньго', 'Ли', 'Цзы', 'Сюэ', 'Юнь', 'Люй']
    """
    parts = split_pinyin(word, syllables)
    if not parts:
        return None
    text = "".join(syllables[p] for p in parts)
    return text[:1].upper() + text[1:]


# -- Japanese: Hepburn romaji -> Polivanov ----------------------------------------------------------

KANA = {"kya": "кя", "kyu": "кю", "kyo": "кё", "sha": "ся", "shu": "сю", "sho": "сё", "cha": "тя", "chu": "тю",
        "cho": "тё", "nya": "ня", "nyu": "ню", "nyo": "нё", "hya": "хя", "hyu": "хю", "hyo": "хё", "mya": "мя",
        "myu": "мю", "myo": "мё", "rya": "ря", "ryu": "рю", "ryo": "рё", "gya": "гя", "gyu": "гю", "gyo": "гё",
        "bya": "бя", "byu": "бю", "byo": "бё", "pya": "пя", "pyu": "пю", "pyo": "пё", "shi": "си", "chi": "ти",
        "tsu": "цу", "ja": "дзя", "ju": "дзю", "jo": "дзё", "ji": "дзи", "fu": "фу", "ya": "я", "yu": "ю",
        "yo": "ё", "wa": "ва", "wo": "о",
        "tu": "цу", "ti": "ти", "si": "си", "zi": "дзи", "hu": "фу",
        "a": "а", "i": "и", "u": "у", "e": "э", "o": "о"}  # fmt: skip
CONSONANTS = {"k": "к", "s": "с", "t": "т", "n": "н", "h": "х", "m": "м", "r": "р", "g": "г", "z": "дз", "d": "д",
              "b": "б", "p": "п"}  # fmt: skip
VOWELS = {"a": "а", "i": "и", "u": "у", "e": "э", "o": "о"}


def polivanov(word: str) -> str | None:
    """A romaji name in Cyrillic by Polivanov's system; None when it is not romaji.

    >>> [polivanov(w) for w in ("Haruto", "Shunsuke", "Yuichi", "Kenji", "Matsumoto", "Shin'ichi", "Ryota")]
    ['Харуто', 'Сюнсукэ', 'Юити', 'Кэндзи', 'Мацумото', 'Синъити', 'Рёта']
    >>> [polivanov(w) for w in ("Keiko", "Daisuke", "Hattori", "Inoue", "Yoichi", "Mituru")]
    ['Кэйко', 'Дайсукэ', 'Хаттори', 'Иноуэ', 'Ёити', 'Мицуру']
    """
    text = word.lower().replace("ō", "o").replace("ū", "u")
    out: list[str] = []
    while text:
        if text[0] == "'":
            out.append("ъ")
            text = text[1:]
            continue
        if text[0] == "n" and (len(text) == 1 or text[1] not in "aiueoy"):
            out.append("н")  # the syllabic n
            text = text[1:]
            continue
        if len(text) > 1 and text[0] == text[1] and text[0] not in "aiueon":
            out.append(CONSONANTS.get(text[0], "")[:1] or "т")  # a doubled consonant: «Хоккайдо», «Хаттори»
            text = text[1:]
            continue
        for size in (3, 2, 1):
            piece = text[:size]
            if piece in KANA:
                after_vowel = bool(out) and out[-1][-1:] in "аэо"  # «ай», «эй», «ой»; «юи», «ёи» stay
                out.append("й" if piece == "i" and after_vowel else KANA[piece])
                text = text[size:]
                break
            if size == 2 and piece[0] in CONSONANTS and piece[1] in VOWELS:
                sound = VOWELS[piece[1]]
                out.append(CONSONANTS[piece[0]] + ("э" if sound == "э" else sound))
                text = text[2:]
                break
        else:
            return None
    name = "".join(out)
    return name[:1].upper() + name[1:]


def faker_names(locale: str) -> tuple[list[str], list[str]]:
    """The romanized surnames and given names of a Faker locale, sorted, each once."""
    from faker import Faker  # the script's own dependency: pip install faker

    provider = Faker(locale).provider("faker.providers.person")
    last = sorted(set(provider.last_romanized_names))
    first = sorted(set(provider.first_romanized_names))
    return last, first


def pairs(last: list[str], first: list[str]) -> list[tuple[str, str]]:
    """Every surname and every given name used at least once: the i-th of each, round the shorter list.

    >>> pairs(["Wang", "Li", "Chen"], ["Fang", "Jie"])
    [('Wang', 'Fang'), ('Li', 'Jie'), ('Chen', 'Fang')]
    """
    return [(last[i % len(last)], first[i % len(first)]) for i in range(max(len(last), len(first)))]


def rows() -> list[tuple[str, str, str]]:
    """(language, Latin, Cyrillic) of the evaluation names; a name a system cannot spell is left out."""
    syllables = pinyin_syllables()
    out: list[tuple[str, str, str]] = []
    for surname, given in pairs(*faker_names("zh_CN")):
        chinese = [palladius(surname, syllables), palladius(given, syllables)]
        if all(chinese):
            out.append(("zh", f"{surname} {given}", " ".join(c for c in chinese if c)))
    for surname, given in pairs(*faker_names("ja_JP")):
        japanese = [polivanov(given), polivanov(surname)]
        if all(japanese):
            out.append(("ja", f"{given} {surname}", " ".join(c for c in japanese if c)))
    return out


def main(argv: list[str]) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    sys.stdout.write("# language\tlatin\tcyrillic  (scripts/foreign_names.py; names from Faker, MIT licence)\n")
    for row in rows():
        if not re.fullmatch(r"[А-ЯЁ][а-яёъ]*(?: [А-ЯЁ][а-яёъ]*)+", row[2]):
            raise SystemExit(f"not a Cyrillic name: {row}")
        sys.stdout.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
