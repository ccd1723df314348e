"""The local brain's parsers on what callers actually say (speech-to-text: no punctuation,
numbers as words, accents sometimes missing)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ai.nlu.complaints import complaint_category, urgency
from ai.nlu.intents import classify
from ai.nlu.language import detect_language
from ai.nlu.numbers import find_numbers, parse_int
from ai.nlu.people import parse_name, parse_party_size, parse_phone
from ai.nlu.text import normalize
from ai.nlu.when import combine, parse_when

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Thursday afternoon


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aujourd'hui à 20h30, le 12/12 !", "aujourd hui a 20h30 le 12/12"),
        ("Vingt-deux PIZZAS, s’il vous plaît.", "vingt deux pizzas s il vous plait"),
        ("ça fait 12,50 €", "ca fait 12,50"),
        ("Œufs brouillés", "oeufs brouilles"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("deux margherita", 2), ("vingt et un", 21), ("quatre vingt douze", 92), ("soixante dix sept", 77),
        ("soixante et onze", 71), ("une douzaine de bières", 12), ("une demi douzaine", 6), ("a couple of cokes", 2),
        ("half a dozen", 6), ("twenty one", 21), ("deux cents", 200), ("une pizza", 1), ("12 pizzas", 12),
        ("a dozen eggs", 12), ("trois cent vingt", 320), ("dix huit", 18), ("a pair of", 2), ("seventeen", 17),
        ("three", 3), ("six", 6),
    ],
)  # fmt: skip
def test_numbers(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["quelques pizzas", "a few drinks", "pizza margherita", ""])
def test_not_numbers(text):
    assert find_numbers(text) == []


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("demain soir à 20h", date(2026, 12, 4), time(20)),
        ("ce samedi midi", date(2026, 12, 5), time(12)),
        ("samedi", date(2026, 12, 5), None),
        ("lundi prochain", date(2026, 12, 7), None),
        ("jeudi prochain", date(2026, 12, 10), None),
        ("le 12 décembre", date(2026, 12, 12), None),
        ("le douze decembre a 19h", date(2026, 12, 12), time(19)),
        ("le 12/12", date(2026, 12, 12), None),
        ("le 3", date(2026, 12, 3), None),
        ("le 2", date(2027, 1, 2), None),
        ("le premier janvier", date(2027, 1, 1), None),
        ("dans deux jours", date(2026, 12, 5), None),
        ("dans une heure", date(2026, 12, 3), time(16)),
        ("dans 30 minutes", date(2026, 12, 3), time(15, 30)),
        ("à 20h", None, time(20)),
        ("20h30", None, time(20, 30)),
        ("20 h 30", None, time(20, 30)),
        ("vingt heures trente", None, time(20, 30)),
        ("dix-neuf heures quarante-cinq", None, time(19, 45)),
        ("à 19 heures", None, time(19)),
        ("à huit heures et demie du soir", None, time(20, 30)),
        ("midi et demi", None, time(12, 30)),
        ("minuit", None, time(0)),
        ("8h du soir", None, time(20)),
        ("à 7h", None, time(19)),
        ("vers 21h", None, time(21)),
        ("today", date(2026, 12, 3), None),
        ("tonight at 7:30", date(2026, 12, 3), time(19, 30)),
        ("tomorrow at noon", date(2026, 12, 4), time(12)),
        ("the day after tomorrow", date(2026, 12, 5), None),
        ("next Friday at 3pm", date(2026, 12, 4), time(15)),
        ("this saturday", date(2026, 12, 5), None),
        ("on the 12th", date(2026, 12, 12), None),
        ("december 12", date(2026, 12, 12), None),
        ("12 december", date(2026, 12, 12), None),
        ("8 pm", None, time(20)),
        ("8:30 pm", None, time(20, 30)),
        ("8pm", None, time(20)),
        ("at eight thirty pm", None, time(20, 30)),
        ("half past seven", None, time(19, 30)),
        ("quarter to eight", None, time(19, 45)),
        ("7 o clock", None, time(19)),
        ("in two hours", date(2026, 12, 3), time(17)),
        ("I'd like a table for 2 people on December 8 at 7:30 pm", date(2026, 12, 8), time(19, 30)),
        ("je voudrais réserver pour quatre personnes demain à vingt heures", date(2026, 12, 4), time(20)),
    ],
)
def test_dates_and_times(text, day, at):
    when = parse_when(text, NOW)
    assert when is not None, text
    assert (when.date, when.time) == (day, at)


@pytest.mark.parametrize(
    "text", ["deux pizzas", "pour 4 personnes", "je voudrais une margherita", "the usual please", "non merci"]
)
def test_no_dates_where_there_are_none(text):
    assert parse_when(text, NOW) is None


def test_ambiguous_hours_are_flagged_and_parts_of_day_fill_in():
    at_eight = parse_when("at 8", NOW)
    assert at_eight.time == time(8) and at_eight.ambiguous
    tonight = parse_when("ce soir à 8h", NOW)
    assert tonight.time == time(20) and not tonight.ambiguous
    evening = parse_when("demain soir", NOW)
    assert evening.time is None and evening.part_of_day == "evening"
    assert combine(evening, NOW) == datetime(2026, 12, 4, 20, 0, tzinfo=NOW.tzinfo)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("pour 4 personnes", 4), ("pour quatre", 4), ("nous serons six", 6), ("on sera 3", 3),
        ("une table de 2", 2), ("table for two", 2), ("for 4 people", 4), ("we are five", 5),
        ("there will be 3 of us", 3), ("a party of 8", 8), ("deux adultes et deux enfants", 4),
        ("just me", 1), ("une table pour deux demain à 20h", 2), ("a table for two tonight at 8", 2),
    ],
)  # fmt: skip
def test_party_size(text, size):
    assert parse_party_size(text) == size


@pytest.mark.parametrize("text", ["à 8 heures", "le 12", "for 8 pm", "pour demain", "une margherita"])
def test_no_party_size(text):
    assert parse_party_size(text) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("je m'appelle Jean Dupont", "Jean Dupont"), ("c'est Marie", "Marie"), ("au nom de Martin", "Martin"),
        ("au nom de Hélène et pour 4", "Hélène"), ("my name is John Smith", "John Smith"), ("it's Sarah", "Sarah"),
        ("under the name of Lee", "Lee"), ("this is Tom calling", "Tom"),
    ],
)  # fmt: skip
def test_names(text, name):
    assert parse_name(text) == name


@pytest.mark.parametrize("text", ["c'est bon", "c'est parfait merci", "c'est pour une réservation", "oui"])
def test_no_names(text):
    assert parse_name(text) is None


def test_phone():
    assert parse_phone("c'est le 06 12 34 56 78") == "+33612345678"
    assert parse_phone("+33 6 12 34 56 78") == "+33612345678"
    assert parse_phone("deux pizzas") is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("je voudrais commander", "order"), ("je vais prendre une regina", "order"), ("can I get a coke", "order"),
        ("i'll have two pizzas", "order"), ("enlevez le coca", "cancel_item"), ("remove the coke", "cancel_item"),
        ("changez la margherita en grande", "modify_order"), ("make it a large", "modify_order"),
        ("je voudrais réserver une table", "reservation"), ("book a table for tonight", "reservation"),
        ("prendre rendez-vous pour une coupe", "service_booking"), ("book a haircut appointment", "service_booking"),
        ("j'aurais besoin d'un conseil", "consultation"), ("I need advice about my taxes", "consultation"),
        ("c'est combien la margherita", "question_price"), ("how much is the tiramisu", "question_price"),
        ("vous êtes ouverts ce soir", "question_hours"), ("what time do you close", "question_hours"),
        ("où êtes-vous", "question_address"), ("what's your address", "question_address"),
        ("vous livrez", "question_delivery"), ("do you deliver", "question_delivery"),
        ("qu'est-ce que vous avez comme desserts", "question_menu"), ("what's on the menu", "question_menu"),
        ("je veux me plaindre", "complaint"), ("la pizza était froide", "complaint"),
        ("my order never arrived", "complaint"), ("je veux parler à quelqu'un", "human"),
        ("can I speak to a person", "human"), ("merci au revoir", "goodbye"), ("bye", "goodbye"),
        ("oui", "yes"), ("d'accord", "yes"), ("yeah sure", "yes"), ("that's right", "yes"), ("non", "no"),
        ("nope", "no"), ("non c'est tout", "done"), ("that's all", "done"), ("comme d'habitude", "usual"),
        ("the usual", "usual"), ("pardon vous pouvez répéter", "repeat"),
        ("je voudrais annuler ma réservation", "cancel_booking"), ("cancel my appointment", "cancel_booking"),
        ("je voudrais déplacer mon rendez-vous", "move_booking"), ("can I reschedule", "move_booking"),
    ],
)  # fmt: skip
def test_intents(text, intent):
    scores = classify(text)
    assert scores.get(intent, 0) >= 0.5, (text, scores)


def test_finishing_is_not_refusing():
    scores = classify("non merci c'est tout")
    assert scores["done"] > scores["no"]
    assert "cancel_item" not in classify("je voudrais annuler ma réservation")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("je voudrais une pizza s'il vous plait", "fr"), ("I would like a pizza please", "en"), ("oui", "fr"),
        ("yes", "en"), ("pizza", None), ("bonjour je voudrais réserver", "fr"), ("can I book a table for two", "en"),
    ],
)  # fmt: skip
def test_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("text", "category", "level"),
    [
        ("la pizza était froide", "quality", "normal"), ("ma commande n'est jamais arrivée", "delay", "normal"),
        ("il manquait le dessert", "missing_item", "normal"), ("c'est inadmissible, j'ai reçu la mauvaise commande",
                                                               "wrong_order", "high"),
        ("my son had an allergic reaction", "quality", "emergency"), ("the driver was rude", "staff", "normal"),
        ("you charged me twice", "billing", "normal"), ("there was a hair in my pasta", "hygiene", "normal"),
    ],
)  # fmt: skip
def test_complaints(text, category, level):
    assert complaint_category(text) == category
    assert urgency(text) == level
