"""The store's regular week said aloud: runs of days with the same hours, in French or English."""

from datetime import time

from ai.brains.phrases import hours_lines

LUNCH, DINNER, LATE = (time(11, 30), time(14, 30)), (time(18, 30), time(23)), (time(18), time(2))


def test_hours_lines_group_days_in_french_and_english():
    pizzeria = [[], *[[LUNCH, DINNER]] * 5, []]
    assert hours_lines(pizzeria, "fr") == [
        "lundi : fermé",
        "du mardi au samedi : 11:30–14:30, 18:30–23:00",
        "dimanche : fermé",
    ]
    assert hours_lines(pizzeria, "en")[1] == "Tuesday to Saturday: 11:30–14:30, 18:30–23:00"
    assert hours_lines([[], [], [], [], [LATE], [LATE], []], "en") == [
        "Monday to Thursday: closed",
        "Friday and Saturday: 18:00–02:00",
        "Sunday: closed",
    ]
    assert hours_lines([*[[(time(9), time(19))]] * 6, []], "fr-FR") == [
        "du lundi au samedi : 09:00–19:00",
        "dimanche : fermé",
    ]
