"""The dialogue classes (README, "What a caller can count on"), each as a whole phone call: the Telnyx
simulator places the call, sends signed webhooks and transcription events to the live app, and the
app speaks through the real SDK. Each call pretends a moment (the sandbox's custom SIP header) so
the store's hours and the weekday are known; the outcome is read in the database and in what was
spoken on the wire. French and English callers alike (the assistant answers in the caller's language
whatever the store's); the demo stores are seeded afresh for each call, about two seconds, because
the live server's calls need a committed database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.core.management import call_command
from django.utils import timezone

from stores.models import Consultation, Order, PreparationTicket, Reservation, ServiceBooking, Store
from telephony.models import Call
from telephony.sandbox import PRETEND_NOW_HEADER
from tests.fakes.telnyx import FakeCall, FakeTelnyx
from tests.telephony.conftest import PIZZERIA_NUMBER, SALON_NUMBER, settle
from tests.telephony.test_calls_e2e import converse


def made_on(model, placed):  # noqa: ANN001, ANN201
    """The rows of `model` the call produced (through its conversation)."""
    calls = Call.objects.filter(call_control_id=placed.call_control_id)
    return model.objects.filter(conversation_outcome__conversation_id__in=calls.values("conversation"))

pytestmark = pytest.mark.django_db(transaction=True)

PRACTICE_NUMBER = "+33100000003"
PARIS = ZoneInfo("Europe/Paris")
FR_HOLIDAYS = holidays.country_holidays("FR")
MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
MONTHS_EN = "January February March April May June July August September October November December".split()
TUESDAY, THURSDAY, FRIDAY = 1, 3, 4


def spoken_fr(day: date) -> str:
    return f"{day.day} {MONTHS_FR[day.month - 1]}"


def spoken_en(day: date) -> str:
    return f"{day.day} {MONTHS_EN[day.month - 1]}"


def ordinary(weekday: int, *, clear_days: int = 7) -> date:
    """The next `weekday` ahead of the real clock after which `clear_days` days hold no public
    holiday, so a pretended week is an ordinary one whatever day the tests run."""
    day = timezone.localdate(timezone=PARIS) + timedelta(days=1)
    while day.weekday() != weekday or any(day + timedelta(days=k) in FR_HOLIDAYS for k in range(clear_days)):
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def seeded(transactional_db, line: FakeTelnyx, settings) -> dict[str, Store]:
    """The demo stores with their own hours (the pizzeria closed on Monday, the salon on Sunday,
    the practice at the weekend) and the simulator honouring a pretended time."""
    settings.TELNYX_SIMULATOR_URL = line.root_url
    call_command("seed_demo", verbosity=0)
    return {s.slug: s for s in Store.objects.all()}


def call(
    line: FakeTelnyx,
    *,
    to: str,
    caller: str,
    now: datetime,
    turns: list[str],
    until: Callable[[FakeCall], bool] | None = None,
) -> FakeCall:
    """A whole call at `now`: every turn is said and answered, then, once `until` holds if given
    (the assistant hung up, a transfer rang), the caller hangs up if still on the line."""
    placed = line.place_call(
        from_=caller, to=to, custom_headers=[{"name": PRETEND_NOW_HEADER, "value": now.isoformat()}]
    )
    converse(placed, turns)
    if until is not None:
        placed.wait_for(until, timeout=10)
    if placed.state != "hangup":
        placed.hang_up()
    settle(line)
    return placed


def hung_up(placed: FakeCall) -> bool:
    return placed.state == "hangup"


def lines_of(placed: FakeCall) -> list[tuple[str, int, list[str]]]:
    order = made_on(Order, placed).get()
    return sorted(
        (item.name, item.quantity, [v["value"] for v in item.variations]) for item in order.items.all()
    )


def said(placed: FakeCall, turn: int) -> str:
    """What the assistant answered to the caller's `turn`-th sentence (1-based; 0 is the greeting)."""
    return placed.spoken[turn]


# --- 1. items are never dropped ----------------------------------------------------------------
def test_fr_an_item_said_while_a_size_is_asked_is_kept_with_the_pending_one(line, seeded):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180001",
        now=at(ordinary(FRIDAY), 19),
        turns=[
            "une calzone et une quatre fromages moyenne",
            "un tiramisu aussi",
            "grande",
            "c'est tout",
            "à emporter",
            "oui",
        ],
    )
    assert "Quelle taille pour Calzone" in said(placed, 1)
    # The tiramisu is taken and the calzone's size asked again, not forgotten.
    assert "1 Tiramisu" in said(placed, 2) and "Quelle taille pour Calzone" in said(placed, 2)
    assert "35,50 euros" in said(placed, 5)
    assert lines_of(placed) == [
        ("Calzone", 1, ["Grande"]),
        ("Quatre fromages", 1, ["Moyenne"]),
        ("Tiramisu", 1, []),
    ]


# --- 2. corrections replace, never add ---------------------------------------------------------
def test_fr_a_corrected_quantity_replaces_the_line(line, seeded):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180002",
        now=at(ordinary(FRIDAY), 19),
        turns=[
            "une margherita moyenne s'il vous plaît",
            "non, deux margheritas, pas une",
            "ce sera tout",
            "à emporter",
            "oui",
        ],
    )
    assert "2 Margherita moyenne" in said(placed, 4)
    assert lines_of(placed) == [("Margherita", 2, ["Moyenne"])]


def test_en_quantity_size_and_item_corrected_in_one_call(line, seeded):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180003",
        now=at(ordinary(FRIDAY), 19),
        turns=[
            "Hello, I'd like two large diavolas and a coke please",
            "no, one diavola, not two",
            "actually make the diavola small",
            "swap the coke for a lemonade",
            "that's all",
            "pick up",
            "yes",
        ],
    )
    assert "1 large Diavola" in said(placed, 2)  # sizes are said in the caller's language
    assert "small Diavola" in said(placed, 3)
    assert "removed the Coca-Cola" in said(placed, 4) and "Limonade" in said(placed, 4)
    assert "€13.50" in said(placed, 6)
    assert lines_of(placed) == [("Diavola", 1, ["Petite"]), ("Limonade artisanale", 1, [])]


# --- 3. a count said after the item -----------------------------------------------------------
@pytest.mark.parametrize(
    ("turns", "heard", "line_said"),
    [
        (
            ["il me faudrait des limonades, cinq s'il vous plaît", "non c'est tout", "à emporter", "oui"],
            "C'est noté : 5 Limonade artisanale",
            ("Limonade artisanale", 5, []),
        ),
        (
            ["hello, lasagne, three of them please", "that's all", "pick up", "yes"],
            "Got it: 3 Lasagnes",
            ("Lasagnes", 3, []),
        ),
    ],
    ids=["fr", "en"],
)
def test_a_count_said_after_the_item_counts(line, seeded, turns, heard, line_said):
    placed = call(line, to=PIZZERIA_NUMBER, caller="+33611180004", now=at(ordinary(FRIDAY), 19), turns=turns)
    assert heard in said(placed, 1)
    assert lines_of(placed) == [line_said]


# --- 4. speech-to-text homophones --------------------------------------------------------------
def test_fr_cent_olives_is_heard_as_sans_olives_not_a_hundred_of_anything(line, seeded):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180006",
        now=at(ordinary(FRIDAY), 19),
        turns=["une napolitaine moyenne cent olives", "c'est tout", "à emporter", "oui"],
    )
    assert "sans olives" in said(placed, 1) and "100" not in said(placed, 1)
    assert lines_of(placed) == [("Napolitaine", 1, ["Moyenne"])]


def test_fr_a_table_for_vin_personnes_is_twenty_people_not_a_glass_of_wine(line, seeded):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180007",
        now=at(ordinary(FRIDAY), 15),
        turns=["je voudrais réserver une table pour vin personnes demain à 20h"],
    )
    # Twenty is more than a table takes: said back with the limit, never a glass of wine.
    assert "8 personnes" in said(placed, 1) and "vin" not in said(placed, 1).lower()
    assert not Order.objects.exists() and not Reservation.objects.exists()


# --- 5. removals and notes reach the line, the ticket and the read-back ---------------------------
@pytest.mark.parametrize(
    ("turns", "read_back", "size", "notes"),
    [
        (
            ["une regina sans champignons, bien cuite", "moyenne", "c'est tout", "à emporter", "oui"],
            "1 Regina moyenne (sans champignons, bien cuite)",
            "Moyenne",
            "sans champignons, bien cuite",
        ),
        (
            ["hi, a large pepperoni with no onions, well done", "that's all", "pick up", "yes"],
            "1 large Pepperoni (no onions, well done)",
            "Grande",
            "no onions, well done",
        ),
    ],
    ids=["fr", "en"],
)
def test_a_removal_and_a_note_reach_the_order_line_the_ticket_and_the_read_back(
    line, seeded, turns, read_back, size, notes
):
    placed = call(line, to=PIZZERIA_NUMBER, caller="+33611180013", now=at(ordinary(FRIDAY), 19), turns=turns)
    assert read_back in said(placed, len(turns) - 1)
    order = made_on(Order, placed).get()
    # One pizza: "champignons" never matched the mushroom pasta's keyword as a second dish.
    (item,) = order.items.all()
    assert [v["value"] for v in item.variations] == [size]
    assert item.notes == notes
    ticket = PreparationTicket.objects.get(order=order)
    assert [line_["notes"] for line_ in ticket.items] == [notes]


# --- 6. questions are answered, not taken as orders ---------------------------------------------
@pytest.mark.parametrize(
    ("question", "evening", "lunch"),
    [
        ("vous fermez à quelle heure ce soir ?", "23 h", "14 h 30"),
        ("what time do you close tonight?", "11 pm", "2:30 pm"),
    ],
    ids=["fr", "en"],
)
def test_the_closing_time_tonight_asked_at_lunchtime_is_the_evening_one(
    line, seeded, question, evening, lunch
):
    placed = call(
        line, to=PIZZERIA_NUMBER, caller="+33611180014", now=at(ordinary(FRIDAY), 12, 30), turns=[question]
    )
    assert evening in said(placed, 1) and lunch not in said(placed, 1)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("question", "intro"),
    [("what do you have without meat?", "vegetarian"), ("qu'avez-vous sans viande ?", "végétarien")],
    ids=["en", "fr"],
)
def test_without_meat_names_only_the_vegetarian_dishes(line, seeded, question, intro):
    placed = call(
        line, to=PIZZERIA_NUMBER, caller="+33611180015", now=at(ordinary(FRIDAY), 12, 30), turns=[question]
    )
    answer = said(placed, 1)
    assert intro in answer
    assert all(dish in answer for dish in ("Margherita", "Quatre fromages", "Végétarienne", "Burrata"))
    meat = ("Regina", "Pepperoni", "Calzone", "Diavola", "Savoyarde", "Carbonara", "Lasagnes", "Carpaccio")
    assert not [dish for dish in meat if dish in answer]
    assert not Order.objects.exists()


# --- 7. "oui" to an open question picks nothing -------------------------------------------------
@pytest.mark.parametrize(
    ("to", "turns", "asked", "read_back", "booked", "hour"),
    [
        (
            PIZZERIA_NUMBER,
            ["je voudrais réserver une table pour deux demain", "oui", "20h", "oui", "Martin", "oui"],
            ("heure", "nom"),
            "demain à 20 h, au nom de Martin",
            Reservation,
            20,
        ),
        (
            SALON_NUMBER,
            ["I'd like a men's cut on Friday", "yes", "10am", "yes", "Smith", "yes"],
            ("time", "name"),
            "tomorrow at 10 am, under the name Smith",
            ServiceBooking,
            10,
        ),
    ],
    ids=["fr", "en"],
)
def test_yes_to_the_time_or_the_name_asks_again_then_books_what_was_said(
    line, seeded, to, turns, asked, read_back, booked, hour
):
    thursday = ordinary(THURSDAY)
    placed = call(line, to=to, caller="+33611180016", now=at(thursday, 10), turns=turns)
    # Each "yes" gets its question again: no offered time and no name is picked for the caller.
    assert asked[0] in said(placed, 2) and asked[1] in said(placed, 4)
    assert read_back in said(placed, 5)
    booking = made_on(booked, placed).get()
    assert timezone.localtime(booking.starts_at, PARIS) == at(thursday + timedelta(days=1), hour)
    assert booking.customer_name == read_back.rsplit(" ", 1)[1]


# --- 8. a weekday named on that day after its time is next week ---------------------------------
def test_fr_tuesday_at_ten_said_on_tuesday_afternoon_books_next_tuesday(line, seeded):
    tuesday = ordinary(TUESDAY, clear_days=8)
    next_tuesday = tuesday + timedelta(days=7)
    placed = call(
        line,
        to=SALON_NUMBER,
        caller="+33611180008",
        now=at(tuesday, 15),
        turns=["Je voudrais une coupe homme mardi à 10h", "Dupuis", "oui"],
    )
    assert f"mardi {spoken_fr(next_tuesday)} à 10 h" in said(placed, 2)
    assert "aujourd'hui" not in said(placed, 2)
    booking = made_on(ServiceBooking, placed).get()
    assert booking.service.name == "Men's cut"
    assert timezone.localtime(booking.starts_at, PARIS) == at(next_tuesday, 10)


# --- 9. closed days and undecided holidays -----------------------------------------------------
def test_en_a_sunday_at_the_salon_closed_on_sundays_gives_the_next_opening(line, seeded):
    thursday = ordinary(THURSDAY)
    monday = thursday + timedelta(days=4)
    placed = call(
        line,
        to=SALON_NUMBER,
        caller="+33611180009",
        now=at(thursday, 10),
        turns=["Can I come in on Sunday for a men's cut?"],
    )
    assert "closed on Sundays" in said(placed, 1)
    assert f"Monday {spoken_en(monday)}" in said(placed, 1)
    assert "name" not in said(placed, 1)
    assert not ServiceBooking.objects.exists()


def test_en_a_table_on_christmas_day_is_checked_with_the_team_never_booked(line, seeded):
    today = timezone.localdate(timezone=PARIS)
    christmas = date(today.year if today < date(today.year, 12, 10) else today.year + 1, 12, 25)
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180010",
        now=at(christmas - timedelta(days=14), 10),
        turns=["Hello, can I book a table for two on December 25 at 8pm?"],
    )
    answer = said(placed, 1)
    assert "Christmas" in answer and "check" in answer and "guess" in answer
    assert not Reservation.objects.exists()


# --- 10. ends and tone --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("turns", "goodbye"),
    [
        (["bonjour", "non merci"], "Merci de votre appel"),
        (["what time do you close tonight?", "no thanks"], "Thank you for calling"),
    ],
    ids=["fr", "en"],
)
def test_no_thanks_with_nothing_pending_ends_the_call(line, seeded, turns, goodbye):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180018",
        now=at(ordinary(FRIDAY), 19),
        turns=turns,
        until=hung_up,
    )
    assert goodbye in said(placed, len(turns))
    assert placed.hangup_source != "caller"  # the assistant put the phone down, no "Autre chose ?" loop
    row = Call.objects.get(call_control_id=placed.call_control_id)
    assert row.status == Call.Status.COMPLETED and row.ended_at is not None
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("complaint", "apology"),
    [
        ("c'est scandaleux, ma pizza est arrivée froide et en retard !", "je suis vraiment désolé"),
        (
            "this is ridiculous, I've been waiting an hour for my order and nobody answers!",
            "I'm really sorry",
        ),
    ],
    ids=["fr", "en"],
)
def test_an_angry_caller_hears_an_apology_first(line, seeded, complaint, apology):
    placed = call(
        line, to=PIZZERIA_NUMBER, caller="+33611180019", now=at(ordinary(FRIDAY), 19), turns=[complaint]
    )
    answer = said(placed, 1)
    assert apology in answer
    assert answer.index(apology) < 60  # the apology opens the answer, before anything else
    assert "Que puis-je" not in answer and "How can I help" not in answer


@pytest.mark.parametrize(
    ("turns", "flagged"),
    [
        (
            ["contrôle fiscal ce matin, je dois parler à maître Durand aujourd'hui"],
            "urgence (contrôle fiscal)",
        ),
        (["tax audit this morning, I need to speak to Maître Durand today"], "urgent (tax audit)"),
    ],
    ids=["fr", "en"],
)
def test_an_urgent_tax_audit_at_the_practice_is_flagged_and_put_through(line, seeded, turns, flagged):
    placed = call(
        line,
        to=PRACTICE_NUMBER,
        caller="+33611180020",
        now=at(ordinary(THURSDAY), 9, 30),
        turns=turns,
        until=lambda c: c.state == "bridged",
    )
    # The matter is said back in a few words, not the caller's whole sentence.
    assert flagged in said(placed, 1)
    assert not any(words in said(placed, 1) for words in ("ce matin", "this morning"))
    consultation = made_on(Consultation, placed).get()
    assert consultation.urgency == Consultation.Urgency.HIGH
    # The person is not only offered: once that is said the call rings the practice's own line.
    assert [t["to"] for t in placed.transfers] == [seeded["cabinet-conseil-durand"].phone]
    assert Call.objects.get(call_control_id=placed.call_control_id).status == Call.Status.TRANSFERRED


def test_en_a_read_back_says_large_and_small_not_the_french_size_names(line, seeded):
    placed = call(
        line,
        to=PIZZERIA_NUMBER,
        caller="+33611180021",
        now=at(ordinary(FRIDAY), 19),
        turns=["a large margherita and a small diavola please", "that's all", "pick up", "yes"],
    )
    read_back = said(placed, 3)
    assert "1 large Margherita" in read_back and "1 small Diavola" in read_back
    assert not any(word in read_back for word in ("grande", "Grande", "petite", "Petite"))
    assert lines_of(placed) == [("Diavola", 1, ["Petite"]), ("Margherita", 1, ["Grande"])]


# --- 11. a returning caller's usual keeps every detail ------------------------------------------
USUAL_CALLER = "+33611180022"
USUAL_LINES = [("Coca-Cola 33 cl", 1, [], ""), ("Regina", 1, ["Grande", "Jambon"], "sans champignons")]


def order_lines(placed: FakeCall) -> list[tuple[str, int, list[str], str]]:
    order = made_on(Order, placed).get()
    return sorted(
        (i.name, i.quantity, [v["value"] for v in i.variations], i.notes) for i in order.items.all()
    )


@pytest.mark.parametrize(
    ("turns", "fulfilment"),
    [
        (["comme d'habitude, à emporter", "non c'est tout", "oui"], "à emporter"),
        (["the usual, for pickup", "that's all", "yes"], "for pick-up"),
    ],
    ids=["fr", "en"],
)
def test_the_usual_repeats_sizes_extras_notes_and_price_with_the_fulfilment_said(
    line, seeded, turns, fulfilment
):
    friday = ordinary(FRIDAY)
    first = call(
        line,
        to=PIZZERIA_NUMBER,
        caller=USUAL_CALLER,
        now=at(friday, 19),
        turns=[
            "une grande regina avec supplément jambon, sans champignons, et un coca",
            "c'est tout",
            "à emporter",
            "oui",
        ],
    )
    earlier = made_on(Order, first).get()
    usual = call(
        line, to=PIZZERIA_NUMBER, caller=USUAL_CALLER, now=at(friday + timedelta(days=1), 19), turns=turns
    )
    assert "Regina" in said(usual, 0)  # the greeting offers the usual
    assert fulfilment in said(usual, 2)  # the read-back carries the fulfilment said with the usual
    assert order_lines(first) == order_lines(usual) == USUAL_LINES
    again = made_on(Order, usual).get()
    assert again.total == earlier.total
    assert again.delivery_type == Order.DeliveryType.TAKEAWAY


# --- 12. a booking lasts as long as its service ------------------------------------------------
def test_en_a_colour_off_the_grid_is_offered_quarter_hours_and_lasts_ninety_minutes(line, seeded):
    thursday = ordinary(THURSDAY)
    placed = call(
        line,
        to=SALON_NUMBER,
        caller="+33611180011",
        now=at(thursday, 10),
        turns=["Hi, I'd like a colour on Friday at 10:05", "10:00 please", "Smith", "yes"],
    )
    assert all(t in said(placed, 1) for t in ("10 am", "10:15 am", "9:45 am")), said(placed, 1)
    booking = made_on(ServiceBooking, placed).get()
    assert booking.service.name == "Colour"
    assert timezone.localtime(booking.starts_at, PARIS) == at(thursday + timedelta(days=1), 10)
    assert booking.ends_at - booking.starts_at == timedelta(minutes=90)


def test_fr_a_bilan_patrimonial_asked_on_the_phone_lasts_an_hour_and_belongs_to_the_call(line, seeded):
    thursday = ordinary(THURSDAY)
    monday = thursday + timedelta(days=4)
    placed = call(
        line,
        to=PRACTICE_NUMBER,
        caller="+33611180012",
        now=at(thursday, 10),
        turns=["Bonjour, je voudrais un rendez-vous pour un bilan patrimonial lundi à 14h", "Martin", "oui"],
    )
    assert f"lundi {spoken_fr(monday)} à 14 h" in said(placed, 2)
    consultation = made_on(Consultation, placed).get()
    assert consultation.duration_minutes == 60
    assert timezone.localtime(consultation.preferred_at, PARIS) == at(monday, 14)
