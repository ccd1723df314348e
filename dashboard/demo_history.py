"""Past activity for the demo pizzeria (`seed_demo --history`, which `make run` uses): three
months of calls, the conversations they carried and what they brought (orders, table bookings,
complaints), so the dashboard, lists, charts and call pages of a fresh `make run` show something
to look at. Stored the way real calls are: the conversation's messages (AIConversationSession), its
outcomes (ConversationOutcome), the call's transcript and its line in the customer's history, and
a summary kept as parts (ai.analysis.summary) that each reader sees in their language.
Deterministic, in bulk, and added once."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone, translation

from ai.analysis.summary import PHRASES, Part, money, part, render
from ai.models import AIConversationSession, ConversationOutcome
from stores.models import (
    BookingStatus,
    Customer,
    CustomerExchange,
    Order,
    OrderItem,
    Product,
    Reservation,
    Source,
    Store,
)
from stores.models.dietary import allergen_field, tag_field
from stores.services.customers import customers_refresh_behaviour
from telephony.models import Call

PREFIX = "demo-history-"
DAYS = 90
NAMES = ["Julie", "Marc", "Sophie", "Karim", "Léa", "Thomas", "Inès", "Paul", "Chloé", "Hugo"]
NAMES += ["Emma", "Louis", "Sarah", "Nicolas", "Camille", "Yanis", "Manon", "Lucas", "Zoé", "Adam"]
STREETS = ["8 rue Mercière", "25 quai Saint-Antoine", "3 place Bellecour", "41 rue Victor-Hugo"]
STREETS += ["17 rue de Brest", "6 rue Sala", "52 cours de Verdun"]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

# What an answered call that brought no order was about, and how often.
KINDS = ["reservation"] * 6 + ["question"] * 9 + ["complaint"] * 2 + ["transfer"] * 3

# The conversations' words (the demo stores speak French): a few ways to say each step, picked
# by the seed, so that calls read differently while staying true to what they produced.
GREETINGS = ["{greeting}", "{store}, bonjour ! Je vous écoute.", "Bonjour, vous êtes bien chez {store}."]
ORDER_ASKS = [
    "Bonjour, je voudrais commander {items}, s'il vous plaît.",
    "Oui bonsoir, ce serait pour {items}.",
    "Bonjour ! Je vais prendre {items}.",
    "Salut, je peux commander {items} ?",
]
ORDER_CONFIRMS = [
    "Très bien : {lines}. Cela fait {total} au total. C'est à emporter ou en livraison ?",
    "C'est noté : {lines}, soit {total}. Vous venez la chercher ou on vous livre ?",
]
TAKEAWAY_ANSWERS = ["À emporter, je passe la chercher.", "Je viens la récupérer.", "À emporter, merci."]
DELIVERY_ANSWERS = ["En livraison, au {address}.", "Livrée s'il vous plaît, {address}."]
ORDER_DONE = {
    "takeaway": [
        "Parfait, votre commande n°{number} est confirmée : elle sera prête vers {at}.",
        "C'est confirmé, commande n°{number}. Vous pouvez passer la prendre à {at}.",
    ],
    "delivery": [
        "Parfait, votre commande n°{number} est confirmée : livraison au {address} vers {at}.",
        "C'est confirmé, commande n°{number}, on vous livre au {address} vers {at}.",
    ],
}
THANKS = ["Merci, bonne soirée !", "Super, merci beaucoup.", "Merci, à tout à l'heure.", "Parfait, merci !"]
GOODBYES = [
    "Merci à vous, à bientôt !",
    "Avec plaisir, bonne journée !",
    "Je vous en prie, à tout à l'heure !",
]
BOOKING_ASKS = [
    "Bonjour, je voudrais réserver une table pour {n} personnes {day} à {at}.",
    "Bonsoir, vous auriez de la place pour {n} {day} vers {at} ?",
]
BOOKING_CONFIRMS = [
    "C'est noté : une table pour {n} {day} à {at}. À quel nom, s'il vous plaît ?",
    "Oui, j'ai de la place pour {n} {day} à {at}. C'est à quel nom ?",
]
BOOKING_DONE = [
    "Parfait {name}, votre table est réservée. À {day} !",
    "C'est réservé au nom de {name}. À bientôt !",
]
QUESTIONS = {
    "question_hours": (
        ["Bonjour, vous êtes ouverts à quelle heure aujourd'hui ?", "Vous ouvrez à quelle heure ?"]
    ),
    "question_delivery": (["Bonjour, vous livrez jusqu'à la Croix-Rousse ?", "Vous faites la livraison ?"]),
    "question_gluten": (
        ["Bonjour, est-ce que la {item} est sans gluten ?", "La {item}, il y a du gluten dedans ?"]
    ),
    "question_vegetarian": (
        ["Bonjour, la {item} est-elle végétarienne ?", "Est-ce que la {item} est végétarienne ?"]
    ),
}
DELIVERY_REPLY = (
    "Oui, nous livrons autour du restaurant, dans le centre de Lyon ; l'adresse est vérifiée à la commande."
)
COMPLAINTS = [
    ("quality", "normal", "La pizza est arrivée froide."),
    ("missing_item", "normal", "Il manquait la boisson dans ma commande."),
    ("delay", "high", "La livraison a pris plus d'une heure."),
    ("wrong_order", "normal", "J'ai reçu une Regina au lieu d'une Margherita."),
]
COMPLAINT_ASKS = [
    "Bonsoir, j'ai commandé tout à l'heure. {text}",
    "Bonjour, je vous appelle parce que… {text}",
]
COMPLAINT_REPLIES = [
    "Je suis vraiment désolée. Je note votre réclamation, l'équipe vous rappelle rapidement.",
    "Toutes mes excuses. C'est noté, le responsable revient vers vous au plus vite.",
]
TRANSFER_ASKS = [
    "Bonjour, je voudrais parler au responsable, s'il vous plaît.",
    "C'est pour privatiser la salle samedi, je peux parler à quelqu'un ?",
    "Je préfère parler à une personne, c'est possible ?",
]
TRANSFER_REPLIES = [
    "Bien sûr, je vous passe un membre de l'équipe, ne quittez pas.",
    "Je vous transfère, un instant.",
]


def _hm(at: time | datetime) -> str:
    return f"{at.hour}h{at.minute:02d}"


def _day_words(day: date, today: date) -> str:
    if day == today:
        return "ce soir"
    if day == today + timedelta(days=1):
        return "demain"
    return f"{WEEKDAYS[day.weekday()]} {day.day}"


@dataclass
class Talk:
    """One call's conversation and summary, built from the words above."""

    rng: random.Random
    greeting: str
    store: str
    messages: list[dict[str, str]] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)

    def say(self, phrase: str, **values: Any) -> None:
        self.messages.append({"role": "assistant", "content": phrase.format(**values)})

    def hear(self, phrase: str, **values: Any) -> None:
        self.messages.append({"role": "user", "content": phrase.format(**values)})

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def open(self) -> None:
        self.say(self.pick(GREETINGS), greeting=self.greeting, store=self.store)

    def close(self) -> None:
        self.hear(self.pick(THANKS))
        self.say(self.pick(GOODBYES))


def _fact(product: Product, name: str) -> bool | None:
    return getattr(product, name, None)


def _answer(kind: str, product: Product, hours: str) -> str:
    if kind == "question_hours":
        return hours
    if kind == "question_delivery":
        return DELIVERY_REPLY
    if kind == "question_gluten":
        return _fact_reply(
            product,
            allergen_field("gluten"),
            yes=f"La {product.name} contient du gluten, je suis désolée.",
            no=f"Oui, la {product.name} est sans gluten.",
        )
    return _fact_reply(
        product,
        tag_field("vegetarian"),
        yes=f"Oui, la {product.name} est végétarienne.",
        no=f"Non, la {product.name} n'est pas végétarienne.",
    )


def _fact_reply(product: Product, field: str, *, yes: str, no: str) -> str:
    """The reply to a yes/no question about one dietary fact; an unknown fact is said as such."""
    known = _fact(product, field)
    if known is None:
        return f"Je n'ai pas l'information pour la {product.name} ; l'équipe pourra vous le confirmer."
    return yes if known else no


def _hours_text(store: Store) -> dict[int, str]:
    by_day: dict[int, list[str]] = {}
    for interval in store.opening_intervals.order_by("weekday", "opens"):
        by_day.setdefault(interval.weekday, []).append(f"de {_hm(interval.opens)} à {_hm(interval.closes)}")
    return {
        d: ("Aujourd'hui nous sommes ouverts " + " et ".join(by_day[d]) + ".")
        if d in by_day
        else "Nous sommes fermés aujourd'hui ; nous rouvrons demain."
        for d in range(7)
    }


def _exchange_line(call: Call) -> str:
    minutes, seconds = divmod(call.duration_seconds, 60)
    return f"{call.get_status_display()} — {minutes} min {seconds:02d} s"


@dataclass
class Made:
    """Everything the history adds, written in bulk at the end."""

    sessions: list[AIConversationSession] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    orders: list[tuple[Order, list[OrderItem]]] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    complaints: list[CustomerExchange] = field(default_factory=list)
    outcomes: list[tuple[AIConversationSession, str, Any]] = field(default_factory=list)
    # created_at is set on insert: each row is given back its call's moment afterwards.
    moments: list[tuple[Any, datetime]] = field(default_factory=list)


def add_history(store: Store, *, seed: int = 7) -> int:
    """Calls (their conversations, and the orders, bookings and complaints some of them brought)
    over the last DAYS days; returns how many calls were added (0 when the history is already
    there)."""
    if Call.objects.filter(store=store, call_control_id__startswith=PREFIX).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    words = random.Random(seed + 1)  # noqa: S311 - the conversations' phrasing, apart from the figures
    tz = store.zone
    products = list(
        Product.objects.filter(store=store, status=Product.Status.AVAILABLE).select_related("category")[:20]
    )
    # What callers ask about: the pizzas ("la Margherita"), else anything.
    asked = [p for p in products if p.category and p.category.name.lower().startswith("pizza")] or products
    if not products:
        return 0
    now = timezone.now()
    today = now.astimezone(tz).date()
    hours = _hours_text(store)
    config = getattr(store, "ai_config", None)
    greeting = (config.greeting if config else "") or f"Bonjour, {store.name}, que puis-je pour vous ?"
    with transaction.atomic(), translation.override(store.language or "fr"):
        customers = []
        for n, name in enumerate(NAMES):
            customer, _ = Customer.objects.get_or_create(
                business=store.business, phone=f"+3361999{n:04d}", defaults={"name": name}
            )
            customers.append(customer)
        number = (store.orders.aggregate(m=Max("number"))["m"] or 0) + 1
        made = Made()
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            day_calls: list[tuple[Call, list[tuple[Product, int]] | None]] = []
            for n in range(rng.randint(4, 14)):
                # Lunch and dinner rushes, like a pizzeria's phone.
                hour = rng.choice([11, 12, 12, 13, 18, 19, 19, 20, 20, 21])
                started = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=tz)
                customer = rng.choice(customers)
                missed = rng.random() < 0.08
                rang_for = rng.randint(40, 240)
                duration = 0 if missed else rng.randint(40, 240)
                call = Call(
                    business_id=store.business_id,
                    store=store,
                    customer=customer,
                    call_control_id=f"{PREFIX}{store.pk}-{back}-{n}",
                    from_number=customer.phone,
                    to_number=store.phone or "+33100000001",
                    status=Call.Status.MISSED if missed else Call.Status.COMPLETED,
                    started_at=started,
                    answered_at=None if missed else started,
                    ended_at=started + timedelta(seconds=duration or rang_for),
                    duration_seconds=duration,
                    sentiment="" if missed else rng.choice(["positive", "positive", "neutral", "negative"]),
                    satisfaction=None if missed else rng.randint(5, 10),
                    analysis_status=Call.AnalysisStatus.NONE if missed else Call.AnalysisStatus.DONE,
                )
                items = None
                if not missed:
                    rng.randrange(5)  # where a fixed summary was once drawn: the history stays the same
                    if rng.random() < 0.55:
                        picked = rng.sample(products, k=rng.randint(1, 3))
                        items = [(p, rng.randint(1, 2)) for p in picked]
                day_calls.append((call, items))
            # The day in the order it happened: order numbers follow the clock.
            day_calls.sort(key=lambda pair: pair[0].started_at or now)
            for call, items in day_calls:
                made.calls.append(call)
                if call.status == Call.Status.MISSED:
                    continue
                customer = call.customer
                assert customer is not None and call.started_at is not None
                talk = Talk(words, greeting, store.name)
                session = AIConversationSession(
                    business_id=store.business_id,
                    store=store,
                    channel="phone",
                    is_active=False,
                    ended_at=call.ended_at,
                    caller_phone=customer.phone,
                    state={"lang": store.language or "fr"},
                )
                if items:
                    _order(made, talk, session, store, call, customer, items, number)
                    number += 1
                else:
                    kind = words.choice(KINDS)
                    if kind == "reservation":
                        _reservation(made, talk, session, store, call, customer)
                    elif kind == "question":
                        _question(talk, words.choice(asked), hours[call.started_at.astimezone(tz).weekday()])
                    elif kind == "complaint":
                        _complaint(made, talk, session, store, call)
                    else:
                        _transfer(talk, call)
                session.messages = talk.messages
                made.sessions.append(session)
                call.conversation = session
                call.transcript = "\n".join(
                    f"{'Assistant' if m['role'] == 'assistant' else 'Client'}: {m['content']}"
                    for m in talk.messages
                )
                call.ai_summary = render(talk.parts, store.language or "fr")
                call.analysis = {"summary": {"lang": store.language or "fr", "parts": talk.parts}}
        _write(made, customers)
    return len(made.calls)


def _order(
    made: Made,
    talk: Talk,
    session: AIConversationSession,
    store: Store,
    call: Call,
    customer: Customer,
    items: list[tuple[Product, int]],
    number: int,
) -> None:
    assert call.started_at is not None
    total = sum((p.price * q for p, q in items), Decimal("0"))
    tax = (total * store.tax_rate / (100 + store.tax_rate)).quantize(Decimal("0.01"))
    delivery = talk.rng.random() < 0.3
    address = talk.pick(STREETS) if delivery else ""
    ready = (call.started_at + timedelta(minutes=talk.pick([20, 25, 30, 45]))).astimezone(store.zone)
    kind = "delivery" if delivery else "takeaway"
    talk.open()
    talk.hear(talk.pick(ORDER_ASKS), items=" et ".join(f"{q} {p.name}" for p, q in items))
    lines = ", ".join(f"{q} × {p.name} ({money(p.price * q, 'fr')})" for p, q in items)
    talk.say(talk.pick(ORDER_CONFIRMS), lines=lines, total=money(total, "fr"))
    talk.hear(talk.pick(DELIVERY_ANSWERS if delivery else TAKEAWAY_ANSWERS), address=address)
    talk.say(talk.pick(ORDER_DONE[kind]), number=number, at=_hm(ready), address=address)
    talk.close()
    talk.parts.append(
        part(
            "order",
            number=number,
            lines=[[q, p.name, []] for p, q in items],
            total=str(total),
            delivery=kind,
        )
    )
    order = Order(
        store=store,
        customer=customer,
        customer_name=customer.name,
        number=number,
        status=Order.Status.COMPLETED,
        delivery_type=Order.DeliveryType.DELIVERY if delivery else Order.DeliveryType.TAKEAWAY,
        delivery_address=address,
        subtotal=total - tax,
        tax=tax,
        total=total,
        source=Source.CALL,
        confirmed_at=call.started_at,
    )
    lines_rows = [
        OrderItem(product=p, name=p.name, quantity=q, unit_price=p.price, line_total=p.price * q)
        for p, q in items
    ]
    made.orders.append((order, lines_rows))
    made.moments.append((order, call.started_at))
    made.outcomes.append((session, "order", order))


def _reservation(
    made: Made,
    talk: Talk,
    session: AIConversationSession,
    store: Store,
    call: Call,
    customer: Customer,
) -> None:
    assert call.started_at is not None
    local = call.started_at.astimezone(store.zone)
    day = local.date() + timedelta(days=talk.pick([0, 0, 1, 2, 3]))
    at = time(talk.pick([12, 13, 19, 20, 20, 21]), talk.pick([0, 0, 15, 30, 45]))
    starts = datetime.combine(day, at, tzinfo=store.zone)
    size = talk.pick([2, 2, 3, 4, 4, 5, 6, 8])
    said_day = _day_words(day, local.date())
    if at.hour < 15 and said_day == "ce soir":
        said_day = "ce midi"
    talk.open()
    talk.hear(talk.pick(BOOKING_ASKS), n=size, day=said_day, at=_hm(at))
    talk.say(talk.pick(BOOKING_CONFIRMS), n=size, day=said_day, at=_hm(at))
    talk.hear(f"{customer.name}.")
    talk.say(talk.pick(BOOKING_DONE), name=customer.name, day=said_day)
    talk.parts.append(part("reservation", n=size, when=starts.isoformat()))
    finished = starts < timezone.now()
    row = Reservation(
        store=store,
        customer=customer,
        customer_name=customer.name,
        customer_phone=customer.phone,
        party_size=size,
        starts_at=starts,
        status=BookingStatus.COMPLETED if finished else BookingStatus.CONFIRMED,
        source=Source.CALL,
    )
    made.reservations.append(row)
    made.moments.append((row, call.started_at))
    made.outcomes.append((session, "reservation", row))


def _question(talk: Talk, product: Product, hours: str) -> None:
    kind = talk.pick(list(QUESTIONS))
    talk.open()
    talk.hear(talk.pick(QUESTIONS[kind]), item=product.name)
    talk.say(_answer(kind, product, hours))
    talk.close()
    # French and English phrases take the same values: the French one tells which.
    talk.parts.append(part(kind, item=product.name) if "{item}" in PHRASES["fr"][kind] else part(kind))


def _complaint(made: Made, talk: Talk, session: AIConversationSession, store: Store, call: Call) -> None:
    assert call.ended_at is not None
    category, severity, text = talk.pick(COMPLAINTS)  # type: ignore[arg-type]
    talk.open()
    talk.hear(talk.pick(COMPLAINT_ASKS), text=text)
    talk.say(talk.pick(COMPLAINT_REPLIES))
    talk.hear("D'accord, merci.")
    talk.parts.append(part("complaint", category=category, severity=severity, text=text))
    row = CustomerExchange(
        customer=call.customer,
        store=store,
        type=CustomerExchange.Type.COMPLAINT,
        description=text,
        category=category,
        severity=severity,
        follow_up_required=True,
    )
    made.complaints.append(row)
    made.moments.append((row, call.ended_at))
    made.outcomes.append((session, "exchange", row))


def _transfer(talk: Talk, call: Call) -> None:
    call.status = Call.Status.TRANSFERRED
    talk.open()
    talk.hear(talk.pick(TRANSFER_ASKS))
    talk.say(talk.pick(TRANSFER_REPLIES))
    talk.parts.append(part("transfer"))


def _write(made: Made, customers: list[Customer]) -> None:
    """Everything in bulk: a few queries per kind of row, whatever the number of calls."""
    for session in made.sessions:
        made.moments.append((session, session.ended_at))
    AIConversationSession.objects.bulk_create(made.sessions)
    lines = [
        CustomerExchange(
            customer_id=call.customer_id,
            store=call.store,
            type=CustomerExchange.Type.CALL,
            description=_exchange_line(call)[:500],
            content={"duration": call.duration_seconds, "status": call.status},
        )
        for call in made.calls
    ]
    for call, line in zip(made.calls, lines, strict=True):
        call.exchange = line
        made.moments.append((line, call.ended_at))
    CustomerExchange.objects.bulk_create(lines + made.complaints)
    Call.objects.bulk_create(made.calls)
    Order.objects.bulk_create([order for order, _ in made.orders])
    items = []
    for order, rows in made.orders:
        for item in rows:
            item.order = order
            items.append(item)
    OrderItem.objects.bulk_create(items)
    Reservation.objects.bulk_create(made.reservations)
    ConversationOutcome.objects.bulk_create(
        ConversationOutcome(conversation=session, **{name: row}) for session, name, row in made.outcomes
    )
    by_model: dict[type, list[Any]] = {}
    for row, at in made.moments:
        row.created_at = row.updated_at = at
        by_model.setdefault(type(row), []).append(row)
    for model, rows in by_model.items():
        model.objects.bulk_update(rows, ["created_at", "updated_at"], batch_size=500)
    for customer in customers:
        totals = Order.objects.filter(customer=customer).aggregate(n=Count("id"), spent=Sum("total"))
        Customer.objects.filter(pk=customer.pk).update(
            order_count=totals["n"], total_spent=totals["spent"] or Decimal("0")
        )
    customers_refresh_behaviour(customers)
