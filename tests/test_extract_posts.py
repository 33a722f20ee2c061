"""A name right after a post is a person's, whatever its language; every document is an agreement.

The names and cities below are invented for these tests; none is taken from a page of the project.
"""

from __future__ import annotations

import pytest

from twingraph.extract.header import agreement_type
from twingraph.extract.models import Models, load_models
from twingraph.extract.page import extract_page
from twingraph.extract.people import find_mentions
from twingraph.model import AgreementType

PLACES = {"верхнеречье", "тайхэ", "сан-лоренцо"}


@pytest.fixture(scope="module")
def models() -> Models:
    return load_models()


@pytest.mark.parametrize(
    ("sentence", "name", "role_word"),
    [
        # Chinese, two and three syllables, nominative and instrumental (undeclined)
        ("Мэр г.Тайхэ Гао Минцзе подписал письмо.", "Гао Минцзе", "Мэр"),
        ("Делегацию встретил заместитель мэра г. Тайхэ Ду Цзин.", "Ду Цзин", "Заместитель"),
        ("Переговоры прошли с вице-мэром г.Тайхэ Шэнь Юйлань.", "Шэнь Юйлань", "Вице-мэр"),
        # Arabic and Persian with «аль-», «эль-», «бен-», in the instrumental
        ("Мэр принял посла Республики Зарания Фарида аль-Мансури.", "Фарид аль-Мансури", "Посол"),
        ("Встреча с генеральным консулом Сахелии Тариком эль-Хадди прошла в мэрии.", "Тарик эль-Хадди", None),
        ("В форуме участвовала советник мэра Лейла бен-Ашур.", "Лейла бен-Ашур", "Советник"),
        ("Мэр встретился с советником мэра Сауданой бен-Ашур.", "Саудана бен-Ашур", "Советник"),
        # words the dictionary knows only as an indeclinable noun («су») and an abbreviation («мин»)
        ("Мэр встретился с советником мэра г.Тайхэ Су Мин.", "Су Мин", "Советник"),
        # Korean and Japanese, surname first
        ("Первый вице-мэр г.Верхнеречье Пэк Со Ён открыла выставку.", "Пэк Со Ён", "Первый вице-мэр"),
        ("Гостей приветствовал губернатор префектуры Кита Мотоеси Харуто.", "Мотоеси Харуто", "Губернатор"),
        # Romance and Germanic, with particles between the words
        ("Почетный консул в г.Верхнеречье Лоренцо ди Сальвио вручил награду.", "Лоренцо ди Сальвио", None),
        ("Ректор университета Вольфганг фон Штейнбах прочитал лекцию.", "Вольфганг фон Штейнбах", "Ректор"),
        ("Председатель городского совета г. Сан-Лоренцо Марта Ибаньес выступила первой.", "Марта Ибаньес", None),
        # African, hyphenated
        ("Во главе делегации был министр по делам молодежи Жан-Мари Нконго-Эйоке.", "Жан-Мари Нконго-Эйоке", None),
        # initials, before and after the surname, and a surname-first Russian name
        ("Член городского собрания Верхнеречья Т. В. Ласточкина выступила с докладом.", "Т.В.Ласточкина", "Член"),
        ("Мэр г.Верхнеречье Кольцов А.Д. и гости подписали письмо.", "А.Д.Кольцов", "Мэр"),
        ("Председатель комитета Ласточкина Татьяна подписала приказ.", "Татьяна Ласточкина", "Председатель"),
        # particles in a row («ван дер», «де ла») after an abbreviation of the post's body
        ("Выступил исполнительный директор АГВР Йоост ван дер Беркхоф.", "Йоост ван дер Беркхоф", "Исполнительный"),
        ("Гостей встретил посол Хуан Пабло де ла Серна.", "Хуан Пабло де ла Серна", "Посол"),
        # the name of a unit of another country («аймака»), then the person's
        ("Прибыл губернатор аймака Тайхэгол Дамбын Очирбат.", "Дамбын Очирбат", "Губернатор"),
        # a single name (as many Indonesians have) after a city's name
        ("Выступил мэр индонезийского города Тайхэбару Прабовосуто.", "Прабовосуто", "Мэр"),
        # a masculine surname in the instrumental after a hushing consonant: no «ь» in the nominative
        ("Группу возглавил руководителем аппарата Тайхэ Мерзачем Иштваном.", "Мерзач Иштван", None),
    ],
)
def test_a_name_after_a_post_is_a_person(models: Models, sentence: str, name: str, role_word: str | None) -> None:
    found = find_mentions(sentence, PLACES, models)
    assert [m.name for m in found] == [name]
    if role_word:
        assert found[0].role is not None and found[0].role.startswith(role_word)


def test_no_person_where_the_post_names_only_places_and_institutions(models: Models) -> None:
    sentence = "Посол Республики Зарания в Российской Федерации посетил Университет Верхнеречья."
    assert find_mentions(sentence, PLACES, models) == []


def test_a_name_the_dictionary_does_not_know_is_flagged_for_review(models: Models) -> None:
    undeclined, declined = find_mentions(
        "Мэр встретился с заместителем мэра г. Тайхэ Ду Цзин и советником мэра Сауданой бен-Ашур.", PLACES, models
    )
    assert undeclined.name == "Ду Цзин" and undeclined.review and "kept as written" in undeclined.review
    assert declined.name == "Саудана бен-Ашур" and declined.review and "by its endings" in declined.review


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Мэр встретился с вице-мэром г.Тайхэ Мариной Соколовой.", "Марина Соколова"),
        ("Мэр встретился с советником мэра Лейлой бен-Ашур.", "Лейла бен-Ашур"),  # «бен-Ашур» is not declined
    ],
)
def test_a_declined_name_the_dictionary_knows_needs_no_review(models: Models, sentence: str, name: str) -> None:
    (mention,) = find_mentions(sentence, PLACES, models)
    assert (mention.name, mention.review) == (name, None)


PAGE = """Зарубежные города-побратимы

  • Тайхэ (Китайская Народная Республика)

    Документ: Хартия о совместном использовании речного порта между городами Верхнеречье и Тайхэ (2020 г.)

    Документ: Соглашение о развитии научных связей между городами Верхнеречье и Тайхэ (2021 г.)

    Население: 1,2 млн чел. (2020 г.)

    Совместные мероприятия, контакты:

    12 мая 2021 г. мэр г.Верхнеречье Степан Кольцов и мэр г.Тайхэ Гао Минцзе подписали Соглашение.
"""


def test_a_document_of_unknown_type_is_an_other_agreement_with_its_title(models: Models) -> None:
    extraction = extract_page(PAGE, "invented-page", models)
    (city_file,) = [f for _, f in extraction.files if f.city.name == "Тайхэ"]
    other, cooperation = city_file.agreements
    assert other.type == AgreementType.OTHER and other.year == 2020
    assert other.title == "Хартия о совместном использовании речного порта между городами Верхнеречье и Тайхэ"
    assert other.note is not None and other.note.startswith("review:")
    assert (cooperation.type, cooperation.note) == (AgreementType.COOPERATION, None)
    assert not any("Документ" in r.text for r in extraction.review)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Программа сотрудничества между городами на 2025–2027 годы", AgreementType.ACTION_PLAN),
        ("Соглашение об укреплении культурных связей", AgreementType.COOPERATION),
        ("Договор об установлении дружественных связей", AgreementType.FRIENDSHIP),
        ("Декларация о совместной охране залива", AgreementType.OTHER),
        ("Договор о дружбе и сотрудничестве между городами", AgreementType.FRIENDSHIP),
        ("Соглашение об установлении дружественных и партнерских связей", AgreementType.FRIENDSHIP),
        ("Соглашение о партнерских отношениях между палатами", AgreementType.PARTNERSHIP),
        ("Дорожная карта развития связей на 2030–2032 годы", AgreementType.ACTION_PLAN),
        ("Декларация о намерениях по установлению побратимских связей", AgreementType.OTHER),
    ],
)
def test_agreement_types_from_titles(title: str, kind: AgreementType) -> None:
    assert agreement_type(title) == kind
