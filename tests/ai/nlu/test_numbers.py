"""Normalisation and numbers as speech-to-text writes them: digits, French and English words,
spoken quantities, articles that count as one, and what must not be read as a number."""

from __future__ import annotations

import pytest

from ai.nlu.numbers import NumberMatch, find_numbers, parse_int
from ai.nlu.text import normalize, tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aujourd'hui à 20h30, le 12/12 !", "aujourd hui a 20h30 le 12/12"),
        ("Vingt-deux PIZZAS, s’il vous plaît.", "vingt deux pizzas s il vous plait"),
        ("ça fait 12,50 €", "ca fait 12,50"),
        ("l'eau", "l eau"),
        ("Œufs brouillés à 8:30.", "oeufs brouilles a 8:30"),
        ("déjà  fevrier — Jean–Pierre", "deja fevrier jean pierre"),
        ("fin. 2. ok? 3/4", "fin 2 ok 3/4"),
        ("  ", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_tokens_are_a_fresh_list():
    first = tokens("deux pizzas")
    first.append("x")
    assert tokens("deux pizzas") == ["deux", "pizzas"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # French
        ("deux margherita", 2), ("une pizza", 1), ("un coca", 1), ("seize", 16), ("dix sept", 17),
        ("dix-huit", 18), ("vingt et un", 21), ("vingt et une heures", 21), ("trente deux", 32),
        ("soixante dix", 70), ("soixante et onze", 71), ("soixante dix sept", 77), ("quatre vingts", 80),
        ("quatre vingt un", 81), ("quatre vingt douze", 92), ("quatre-vingt-dix-neuf", 99), ("cent", 100),
        ("cent un", 101), ("deux cents", 200), ("trois cent vingt", 320), ("neuf cent quatre vingt dix neuf", 999),
        ("septante deux", 72), ("nonante", 90), ("zéro", 0),
        # English
        ("one", 1), ("three", 3), ("six", 6), ("twelve", 12), ("seventeen", 17), ("twenty one", 21),
        ("twenty-six", 26), ("ninety nine", 99), ("a hundred", 100), ("one hundred and twenty", 120),
        ("two hundred fifty", 250), ("a coke please", 1), ("an espresso", 1),
        # digits
        ("12 pizzas", 12), ("2", 2), ("je voudrais 3 cocas", 3),
        # spoken quantities
        ("une douzaine de bières", 12), ("une demi douzaine", 6), ("demi-douzaine d'huîtres", 6),
        ("deux douzaines", 24), ("une dizaine de personnes", 10), ("une paire de", 2), ("un couple", 2),
        ("a dozen eggs", 12), ("two dozen cookies", 24), ("half a dozen", 6), ("a couple of cokes", 2),
        ("a couple", 2), ("a pair of", 2),
    ],
)  # fmt: skip
def test_parse_int(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vingt et un", [NumberMatch(21, 0, 3)]),
        ("a dozen eggs", [NumberMatch(12, 0, 2)]),
        ("a couple of cokes", [NumberMatch(2, 0, 3)]),
        ("deux pizzas et trois cocas", [NumberMatch(2, 0, 1), NumberMatch(3, 3, 4)]),
        ("i'd like a coke and an orange juice", [NumberMatch(1, 3, 4), NumberMatch(1, 6, 7)]),
        ("a table for two", [NumberMatch(1, 0, 1), NumberMatch(2, 3, 4)]),
        ("j'en veux une", [NumberMatch(1, 3, 4)]),
        ("eight thirty", [NumberMatch(8, 0, 1), NumberMatch(30, 1, 2)]),
        ("vingt heures trente", [NumberMatch(20, 0, 1), NumberMatch(30, 2, 3)]),
        ("un deux trois", [NumberMatch(2, 1, 2), NumberMatch(3, 2, 3)]),
    ],
)
def test_spans(text, expected):
    assert find_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "pizza margherita", "quelques pizzas", "a few drinks", "plusieurs desserts", "un peu de sauce",
        "une demi heure", "in a bit", "à emporter", "pizza à emporter", "a quelle heure", "on a déjà commandé",
        "le 12th", "le premier", "the second", "the third", "12,50",
    ],
)  # fmt: skip
def test_not_numbers(text):
    assert find_numbers(text) == [], text


def test_article_before_a_number_is_not_one():
    # "une 4 fromages" is a pizza named with a number: the article does not count as another 1
    assert [m.value for m in find_numbers("une 4 fromages et deux cocas")] == [4, 2]
    assert [m.value for m in find_numbers("il y a un problème")] == [1]
