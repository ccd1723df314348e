"""Dates and times against a fixed store-local "now": Thursday 3 December 2026, 15:00, Paris."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ai.nlu.when import When, combine, parse_date, parse_time, parse_when

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=PARIS)  # a Thursday
TODAY = NOW.date()


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        # French: days
        ("aujourd'hui", TODAY, None),
        ("aujourdhui", TODAY, None),
        ("demain", date(2026, 12, 4), None),
        ("après demain", date(2026, 12, 5), None),
        ("apres-demain", date(2026, 12, 5), None),
        ("samedi", date(2026, 12, 5), None),
        ("jeudi", TODAY, None),  # a weekday alone: today counts
        ("mercredi", date(2026, 12, 9), None),
        ("samedi prochain", date(2026, 12, 5), None),
        ("lundi prochain", date(2026, 12, 7), None),
        ("jeudi prochain", date(2026, 12, 10), None),  # "prochain" excludes today
        ("samedi en huit", date(2026, 12, 12), None),
        ("vendredi de la semaine prochaine", date(2026, 12, 11), None),
        ("le 12 décembre", date(2026, 12, 12), None),
        ("le douze decembre", date(2026, 12, 12), None),
        ("le 1er janvier", date(2027, 1, 1), None),
        ("le premier janvier", date(2027, 1, 1), None),
        ("le 2 fevrier", date(2027, 2, 2), None),
        ("le 12 décembre 2027", date(2027, 12, 12), None),
        ("le 12/12", date(2026, 12, 12), None),
        ("le 3", TODAY, None),  # this month while not past
        ("le 2", date(2027, 1, 2), None),  # else next month
        ("le 31", date(2026, 12, 31), None),
        ("dans deux jours", date(2026, 12, 5), None),
        ("dans huit jours", date(2026, 12, 10), None),
        ("dans quinze jours", date(2026, 12, 17), None),
        ("dans 3 semaines", date(2026, 12, 24), None),
        ("ce week-end", date(2026, 12, 5), None),
        ("hier soir", date(2026, 12, 2), None),
        # French: times
        ("à 20h", None, time(20)),
        ("20h30", None, time(20, 30)),
        ("20 h 30", None, time(20, 30)),
        ("20:30", None, time(20, 30)),
        ("à 19 heures", None, time(19)),
        ("vingt heures trente", None, time(20, 30)),
        ("dix-neuf heures quarante-cinq", None, time(19, 45)),
        ("vingt et une heures", None, time(21)),
        ("à huit heures et demie du soir", None, time(20, 30)),
        ("neuf heures moins le quart", None, time(8, 45)),
        ("midi", None, time(12)),
        ("midi et demi", None, time(12, 30)),
        ("minuit", None, time(0)),
        ("8h du soir", None, time(20)),
        ("à 10 heures du matin", None, time(10)),
        ("une heure du matin", None, time(1)),
        ("à 7h", None, time(19)),  # 1–7 without marker: pm
        ("à 9h", None, time(9)),  # 8–11 without marker: as said
        ("à 9h ce soir", TODAY, time(21)),
        ("vers 21h", None, time(21)),
        ("sur les 8h", None, time(8)),
        ("vers les 19h", None, time(19)),
        # French: both
        ("ce soir", TODAY, None),
        ("ce midi", TODAY, time(12)),
        ("demain soir à 20h", date(2026, 12, 4), time(20)),
        ("ce samedi midi", date(2026, 12, 5), time(12)),
        ("pour demain midi", date(2026, 12, 4), time(12)),
        ("le douze decembre a 19h", date(2026, 12, 12), time(19)),
        ("vendredi 11 décembre à 20h", date(2026, 12, 11), time(20)),
        ("le lundi 7 à 10h", date(2026, 12, 7), time(10)),
        ("dans une heure", TODAY, time(16)),
        ("dans 30 minutes", TODAY, time(15, 30)),
        ("dans une demi heure", TODAY, time(15, 30)),
        ("dans 1h30", TODAY, time(16, 30)),
        ("dans une heure et demie", TODAY, time(16, 30)),
        ("d'ici 20 minutes", TODAY, time(15, 20)),
        ("je voudrais réserver pour quatre personnes demain à vingt heures", date(2026, 12, 4), time(20)),
        ("une table pour 4 ce soir à 22h45", TODAY, time(22, 45)),
        ("le 12 à 20h pour 4 personnes", date(2026, 12, 12), time(20)),
        # English: days
        ("today", TODAY, None),
        ("tonight", TODAY, None),
        ("this evening", TODAY, None),
        ("tomorrow", date(2026, 12, 4), None),
        ("the day after tomorrow", date(2026, 12, 5), None),
        ("friday", date(2026, 12, 4), None),
        ("this saturday", date(2026, 12, 5), None),
        ("next thursday", date(2026, 12, 10), None),
        ("next week on tuesday", date(2026, 12, 8), None),
        ("on the 12th", date(2026, 12, 12), None),
        ("the 3rd", TODAY, None),
        ("december 12", date(2026, 12, 12), None),
        ("12 december", date(2026, 12, 12), None),
        ("on december the 12th", date(2026, 12, 12), None),
        ("12th of december", date(2026, 12, 12), None),
        ("on the twelfth of december", date(2026, 12, 12), None),
        ("jan 5", date(2027, 1, 5), None),
        ("in two days", date(2026, 12, 5), None),
        ("in a week", date(2026, 12, 10), None),
        # English: times
        ("at 8", None, time(8)),
        ("8 pm", None, time(20)),
        ("8pm", None, time(20)),
        ("8:30 pm", None, time(20, 30)),
        ("at 7:45", None, time(19, 45)),
        ("eight thirty", None, time(8, 30)),
        ("at eight thirty pm", None, time(20, 30)),
        ("half past seven", None, time(19, 30)),
        ("quarter to eight", None, time(19, 45)),
        ("a quarter past nine in the evening", None, time(21, 15)),
        ("ten past eight", None, time(8, 10)),
        ("7 o clock", None, time(19)),
        ("eleven at night", None, time(23)),
        ("noon", None, time(12)),
        ("midnight", None, time(0)),
        ("around 7", None, time(19)),
        ("lunch at 1", None, time(13)),
        # English: both
        ("tomorrow at noon", date(2026, 12, 4), time(12)),
        ("next Friday at 3pm", date(2026, 12, 4), time(15)),
        ("tonight at 7:30", TODAY, time(19, 30)),
        ("a table for two tonight at 8", TODAY, time(20)),
        ("a table for 3 tomorrow at eight for dinner please", date(2026, 12, 4), time(20)),
        ("the 3rd at 8 pm", TODAY, time(20)),
        ("in two hours", TODAY, time(17)),
        ("in 20 minutes", TODAY, time(15, 20)),
        ("in an hour and a half", TODAY, time(16, 30)),
        ("I'd like a table for 2 people on December 8 at 7:30 pm", date(2026, 12, 8), time(19, 30)),
    ],
)
def test_dates_and_times(text, day, at):
    when = parse_when(text, NOW)
    assert when is not None, text
    assert (when.date, when.time) == (day, at), text


@pytest.mark.parametrize(
    "text",
    [
        "", "deux pizzas", "pour 4 personnes", "je voudrais une margherita", "the usual please", "non merci",
        "je voudrais 2 pizzas et 3 cocas", "a large pizza with 2 toppings", "table pour 6", "c'est 12 euros 50",
        "my number is 06 12 34 56 78", "à emporter", "à quelle heure fermez vous", "a 12 inch pizza",
        "il y a deux heures", "pendant deux heures", "le premier", "the second one", "deux mars", "may I have a coke",
        "je prends le 3", "le 12 personnes", "good evening I'd like to order", "bonsoir je voudrais commander",
        "from two to four", "une pizza pour deux", "une 4 fromages et deux cocas",
    ],
)  # fmt: skip
def test_nothing_temporal(text):
    assert parse_when(text, NOW) is None, text


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("demain soir", "evening"), ("ce matin", "morning"), ("cet après-midi", "afternoon"), ("tonight", "evening"),
        ("tomorrow morning", "morning"), ("samedi midi", "noon"), ("for lunch on friday", "noon"),
        ("friday night", "night"), ("un rendez vous lundi matin", "morning"), ("plutôt le soir", "evening"),
    ],
)  # fmt: skip
def test_part_of_day(text, part):
    when = parse_when(text, NOW)
    assert when is not None and when.part_of_day == part, text


@pytest.mark.parametrize(
    ("text", "at", "ambiguous"),
    [
        ("at 8", time(8), True),  # 8–11 without marker: as said, flagged
        ("à 11h", time(11), True),
        ("à 7h", time(19), False),  # 1–7: pm
        ("ce soir à 8h", time(20), False),  # an evening marker makes it pm
        ("at 8 for dinner", time(20), False),
        ("8 in the morning", time(8), False),
        ("à 10h du matin", time(10), False),
        ("à 20h", time(20), False),
    ],
)
def test_hours_without_am_pm(text, at, ambiguous):
    when = parse_when(text, NOW)
    assert when is not None
    assert (when.time, when.ambiguous) == (at, ambiguous), text


def test_durations_are_not_times():
    # "plus d'une heure", "j'ai attendu une heure et demie" say how long, not when
    assert parse_when("j'ai attendu le livreur plus d'une heure et quart", NOW) is None
    assert parse_when("j'ai attendu une heure et demie", NOW) is None


def test_relative_times_cross_midnight():
    late = datetime(2026, 12, 3, 23, 40, tzinfo=PARIS)
    assert parse_when("dans 30 minutes", late) == When(date(2026, 12, 4), time(0, 10))


def test_combine_fills_today_and_part_of_day():
    assert combine(When(None, time(20, 30)), NOW) == datetime(2026, 12, 3, 20, 30, tzinfo=PARIS)
    evening = parse_when("demain soir", NOW)
    assert evening is not None and evening.time is None
    assert combine(evening, NOW) == datetime(2026, 12, 4, 20, 0, tzinfo=PARIS)
    assert combine(When(TODAY, None, "morning"), NOW) == datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)
    assert combine(When(TODAY, None, "noon"), NOW).time() == time(12, 30)
    assert combine(When(TODAY, None, "afternoon"), NOW).time() == time(15)
    assert combine(When(TODAY, None, "night"), NOW).time() == time(21)
    assert combine(When(date(2026, 12, 5), None), NOW) is None
    assert combine(When(None, time(9)), NOW).tzinfo is PARIS


def test_helpers():
    assert parse_time("vers vingt heures trente") == time(20, 30)
    assert parse_time("deux pizzas") is None
    assert parse_date("samedi prochain", TODAY) == date(2026, 12, 5)
    assert parse_date("à 20h", TODAY) is None
