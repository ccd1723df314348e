"""Intents → whole conversations: what a caller of a given store wants (the outcome) and the lines
they open with, in French or English, with the variations real callers produce. Built from the
store's own rows (products, variations, services, staff, hours, closed dates), never from the
brain's phrase lists, so it judges the assistant on what it was not tuned to."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from stores import availability
from stores.models import Product, ServiceResource, UniversalService

CATEGORIES = (
    "order",  # one or two items, quantities in words or digits, sizes before or after
    "extras",  # extras and removals
    "multi",  # several requests in one turn, or an addition while a question is pending
    "correction",  # quantity, size, removal, replacement corrected in a later turn
    "quantity_after",  # "des cocas, quatre s'il vous plaît", "cokes, three of them"
    "question_first",  # a question (price, vegetarian, hours) before ordering
    "absurd",  # 50 pizzas said by mistake, corrected when questioned
    "stt",  # speech-to-text style: lowercase, no punctuation, fillers, homophones, digits
    "closed",  # ordering or booking on a closed day or holiday: nothing may be written
    "no_thanks",  # a question only, then "non merci": nothing may be written
    "booking",  # a service on a day (same-day weekday, tomorrow, a date), maybe with a person
    "reservation",  # a table for a party
    "other_answer",  # answers another question than the one asked
    "yes_first",  # answers a plain "oui" to an open question (which size, what time), then the answer
)

WEEK_START = date(2026, 11, 30)  # a Monday; conversations happen this week (and the holidays after)
HOLIDAY = date(2026, 12, 25)

NUM = {
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix onze douze".split(),
    "en": "zero one two three four five six seven eight nine ten eleven twelve".split(),
}
NUM_FR_BIG = {50: "cinquante", 40: "quarante", 30: "trente", 20: "vingt"}
NUM_EN_BIG = {50: "fifty", 40: "forty", 30: "thirty", 20: "twenty"}
DAYS = {
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
}
MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}
NAMES = {"fr": ["Martin Dubois", "Sophie Leroy", "Karim Benali", "Julie Moreau"],
         "en": ["John Carter", "Emily Stone", "David Brown", "Sarah Miles"]}  # fmt: skip
W = {
    "fr": {
        "want": ["Bonjour, je voudrais {x}.", "Bonsoir, je vais prendre {x} s'il vous plaît.",
                 "Alors, il me faudrait {x}.", "Oui bonjour, {x} s'il vous plaît."],
        "and": " et ", "also": ["Et aussi {x}.", "Ajoutez {x} s'il vous plaît.", "Et {x}."],
        "extra": "avec supplément {e}", "size_after": ["{x} en {s}", "{x} {s}", "{x}, taille {s}"],
        "qty_after": ["Des {x}, {q} s'il vous plaît.", "Je voudrais des {x}. {Q}, s'il vous plaît."],
        "fix_qty": ["Non, plutôt {q}.", "Non, {q} {x}, pas {p}.", "Finalement mettez-en {q}."],
        "fix_size": ["Mettez-la en {s} finalement.", "Finalement, {x} en {s}."],
        "remove": ["Finalement, enlevez {x}.", "Retirez {x} s'il vous plaît."],
        "replace": ["Remplacez {x} par {y}.", "Non, pas {x}, plutôt {y}."],
        "price_q": ["C'est combien {x} ?", "{X}, c'est combien ?"], "then_take": ["Mettez-m'en {q} alors.", "D'accord, j'en prends {q}."],  # noqa: E501
        "veg_q": ["{X}, c'est végétarien ?"], "hours_q": ["Vous fermez à quelle heure ce soir ?", "Vous êtes ouverts jusqu'à quelle heure ?"],  # noqa: E501
        "no_thanks": ["Non merci, au revoir.", "Non merci, c'est tout."],
        "book": ["Bonjour, je voudrais prendre rendez-vous pour {svc} {when}.",
                 "Je voudrais un rendez-vous {when} pour {svc}.", "Bonjour, {svc} {when}, c'est possible ?"],
        "with": " avec {who}", "table": ["Bonjour, je voudrais réserver une table pour {n} personnes {when}.",
                                         "Une table pour {n} {when}, c'est possible ?"],
        "today": "aujourd'hui", "tomorrow": "demain", "on_date": "le {d} {m}", "at": " à {t}",
        "fillers": ["euh", "alors", "bah", "ben", "du coup", "hum"],
    },
    "en": {
        "want": ["Hello, I'd like {x}.", "Hi, can I get {x} please?", "Yeah hi, {x} please.",
                 "Good evening, I'll have {x}."],
        "and": " and ", "also": ["And also {x}.", "Can you add {x}?", "Plus {x}."],
        "extra": "with extra {e}", "size_after": ["{x} in {s}", "{x} {s}", "{x}, size {s}"],
        "qty_after": ["{x}, {q} of them.", "Some {x}, {q} please."],
        "fix_qty": ["No, make that {q}.", "No, {q} {x}, not {p}.", "Actually, {q} please."],
        "fix_size": ["Make it a {s} actually.", "Actually, {x} in {s}."],
        "remove": ["Actually, remove {x}.", "Take off {x} please."],
        "replace": ["Replace {x} with {y}.", "No, not {x}, {y} instead."],
        "price_q": ["How much is {x}?", "{X}, how much is that?"], "then_take": ["Give me {q} then.", "OK, I'll take {q}."],  # noqa: E501
        "veg_q": ["Is {x} vegetarian?"], "hours_q": ["What time do you close tonight?", "How late are you open?"],  # noqa: E501
        "no_thanks": ["No thanks, bye.", "No thank you, that's all."],
        "book": ["Hi, I'd like to book {svc} {when}.", "Can I get an appointment for {svc} {when}?",
                 "Hello, {svc} {when}, is that possible?"],
        "with": " with {who}", "table": ["Hi, I'd like to book a table for {n} people {when}.",
                                         "A table for {n} {when}, is that possible?"],
        "today": "today", "tomorrow": "tomorrow", "on_date": "on {m} {d}", "at": " at {t}",
        "fillers": ["um", "uh", "so", "like", "well"],
    },
}  # fmt: skip
HOMOPHONES = {"fr": {"sans": "cent", "vingt": "vin", "deux": "de"}, "en": {"two": "to", "four": "for"}}


@dataclass
class Line:
    product: str
    quantity: int
    options: tuple[str, ...] = ()

    def key(self) -> tuple[str, int, frozenset[str]]:
        return (self.product, self.quantity, frozenset(fold(o) for o in self.options))


@dataclass
class Conversation:
    """One generated call: the caller's scripted lines and the outcome they intend."""

    id: str
    store: str  # slug
    group: str  # "demo" or "unseen"
    lang: str
    category: str
    now: str  # local ISO time, frozen for the call
    turns: list[str]
    lines: list[Line] = field(default_factory=list)  # the order they want, empty for none
    booking: dict[str, Any] | None = None  # {service, starts_at, resource?}
    reservation: dict[str, Any] | None = None  # {party_size, starts_at}
    consultation: bool = False
    said: list[str] = field(default_factory=list)  # products named by the caller
    name: str = ""
    questioned: bool = False  # the caller said something absurd that must be questioned
    when_words: str = ""
    absurd_fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["lines"] = [line.__dict__ for line in self.lines]
        return data


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def spoken(name: str) -> str:
    """How a caller names a product: no bottle sizes, no parentheses."""
    words = [w for w in name.split("(")[0].split() if not w[:1].isdigit() and w.lower() not in ("cl", "g")]
    return " ".join(words).lower()


def plural(name: str, n: int, rng: random.Random) -> str:
    if n > 1 and " " not in name and name[-1] not in "sxz" and rng.random() < 0.6:
        return name + "s"
    return name


def qty_words(n: int, lang: str, rng: random.Random, gender: str = "m", digits: bool = False) -> str:
    if digits or n > 12:
        return str(n)
    if n == 1:
        return ("une" if gender == "f" else "un") if lang == "fr" else rng.choice(["one", "a"])
    return NUM[lang][n]


def gender_of(name: str) -> str:
    head = fold(name).split()[0] if name.strip() else ""
    return "f" if head.endswith(("a", "e", "ette", "ine")) and not head.endswith("age") else "m"


def time_words(t: time, lang: str) -> str:
    if lang == "fr":
        return f"{t.hour}h{t.minute:02d}" if t.minute else f"{t.hour}h"
    h12 = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{h12}:{t.minute:02d} {suffix}" if t.minute else f"{h12} {suffix}"


def day_words(day: date, today: date, lang: str, rng: random.Random) -> str:
    w = W[lang]
    if day == today:
        return rng.choice([w["today"], ("ce " if lang == "fr" else "this ") + DAYS[lang][day.weekday()]])
    if day == today + timedelta(days=1) and rng.random() < 0.5:
        return w["tomorrow"]
    if day - today < timedelta(days=7) and rng.random() < 0.5:
        return DAYS[lang][day.weekday()] if lang == "fr" else "on " + DAYS[lang][day.weekday()]
    return w["on_date"].format(d=day.day, m=MONTHS[lang][day.month - 1])


def stt(text: str, lang: str, rng: random.Random) -> str:
    """What a phone transcription makes of a line: lowercase, no punctuation, fillers, digits,
    homophones."""
    words = fold_keep_accents(text).split()
    out: list[str] = []
    for word in words:
        if word in NUM[lang][2:] and rng.random() < 0.5:
            word = str(NUM[lang].index(word))
        elif word in HOMOPHONES[lang] and rng.random() < 0.5:
            word = HOMOPHONES[lang][word]
        out.append(word)
        if rng.random() < 0.12:
            out.append(rng.choice(W[lang]["fillers"]))
    if rng.random() < 0.5:
        out.insert(0, rng.choice(W[lang]["fillers"]))
    return " ".join(out)


def fold_keep_accents(text: str) -> str:
    return " ".join("".join(c if c.isalnum() or c in "'-" else " " for c in text.lower()).split())


# --- reading the store ---------------------------------------------------------------------------


@dataclass
class Item:
    name: str
    say: str
    gender: str
    price: str
    sizes: list[str]
    extras: list[str]
    options: list[str]
    vegetarian: bool


def _items(store: Any) -> list[Item]:

    items = []
    for p in (
        Product.objects.filter(store=store, status="available").prefetch_related("variations").order_by("pk")
    ):
        vs = [v for v in p.variations.all() if v.is_available]
        items.append(
            Item(
                name=p.name,
                say=spoken(p.name),
                gender=gender_of(p.name),
                price=str(p.price),
                sizes=[v.value for v in vs if v.type == "size"],
                extras=[v.value for v in vs if v.type == "extra"],
                options=[v.value for v in vs if v.type == "option"],
                vegetarian="végétarien" in p.description.lower(),
            )
        )
    return items


def _open_moments(store: Any, rng: random.Random, tz: ZoneInfo) -> datetime:
    """A moment of this week when the store is open, at least an hour before it closes."""

    for _ in range(200):
        day = WEEK_START + timedelta(days=rng.randrange(7))
        at = datetime.combine(day, time(rng.randrange(7, 22), rng.choice((0, 15, 30, 45))), tzinfo=tz)
        if availability.is_open_at(store, at):
            closes = availability.closes_at(store, at)
            if closes and closes - at >= timedelta(minutes=60):
                return at
    raise ValueError(f"{store.slug} is never open this week")


def _closed_day(store: Any, rng: random.Random) -> date:

    days = [HOLIDAY] + [WEEK_START + timedelta(days=n) for n in range(7)]
    closed = [d for d in days if not availability.opening_periods(store, d)]
    return rng.choice(closed or [HOLIDAY])


# --- the generator -------------------------------------------------------------------------------


class Generator:
    """Conversations for one store. Deterministic for a (store, seed)."""

    def __init__(self, store: Any, group: str) -> None:

        self.store = store
        self.group = group
        self.tz = ZoneInfo(store.timezone)
        self.items = _items(store) if store.has_products else []
        self.services = list(
            UniversalService.objects.filter(store=store, is_active=True)
            .exclude(pattern=UniversalService.Pattern.AVAILABILITY)
            .order_by("pk")
        )
        self.staff = list(
            ServiceResource.objects.filter(store=store, type="staff", is_active=True).order_by("pk")
        )

    def categories(self) -> list[str]:
        cats = []
        if self.items:
            cats += ["order", "extras", "multi", "correction", "quantity_after", "question_first", "absurd",
                     "stt", "closed", "no_thanks", "other_answer", "yes_first"]  # fmt: skip
        if self.services:
            cats += ["booking", "booking", "stt", "closed", "other_answer", "no_thanks", "yes_first"]
        if self.store.has_reservations:
            cats += ["reservation"]
        if self.store.has_consultations and not self.items:
            cats += ["no_thanks"]
        return cats

    def make(self, n: int, seed: int) -> list[Conversation]:
        out = []
        for k in range(n):
            rng = random.Random(f"{self.store.slug}:{seed}:{k}")
            lang = "fr" if k % 2 == 0 else "en"
            category = rng.choice(self.categories())
            out.append(self.one(rng, f"{self.store.slug}:{seed}:{k}", lang, category))
        return out

    def one(self, rng: random.Random, cid: str, lang: str, category: str) -> Conversation:
        if category in ("booking",) or (
            category in ("stt", "closed", "other_answer", "yes_first") and not self.items
        ):
            if self.services:
                return self._booking(rng, cid, lang, category)
        if category == "reservation":
            return self._reservation(rng, cid, lang)
        if category == "no_thanks" and not self.items:
            now = _open_moments(self.store, rng, self.tz)
            turns = [rng.choice(W[lang]["hours_q"]), rng.choice(W[lang]["no_thanks"])]
            return self._conv(cid, lang, category, now, turns, rng)
        return self._order(rng, cid, lang, category)

    def _conv(
        self, cid: str, lang: str, category: str, now: datetime, turns: list[str], rng: random.Random
    ) -> Conversation:
        return Conversation(
            id=cid, store=self.store.slug, group=self.group, lang=lang, category=category,
            now=now.replace(tzinfo=None).isoformat(timespec="minutes"), turns=turns, name=rng.choice(NAMES[lang]),  # noqa: E501
        )  # fmt: skip

    # --- orders ---------------------------------------------------------------------------------
    def _phrase(self, item: Item, q: int, lang: str, rng: random.Random, size: str | None,
                extra: str | None = None, option: str | None = None, digits: bool = False) -> str:  # fmt: skip  # noqa: E501
        name = plural(item.say, q, rng)
        qw = qty_words(q, lang, rng, item.gender, digits)
        if size and rng.random() < 0.5:
            text = f"{qw} {size.lower()} {name}"
        elif size:
            text = rng.choice(W[lang]["size_after"]).format(x=f"{qw} {name}", s=size.lower())
        else:
            text = f"{qw} {name}"
        if extra:
            text += " " + W[lang]["extra"].format(e=extra.lower())
        if option:
            text += " " + option.lower()
        return text

    def _pick(self, rng: random.Random, exclude: set[str] | None = None, **need: bool) -> Item:
        pool = [i for i in self.items if i.name not in (exclude or set())]
        for key, wanted in need.items():
            filtered = [i for i in pool if bool(getattr(i, key)) == wanted]
            pool = filtered or pool
        return rng.choice(pool)

    def _line(self, item: Item, q: int, rng: random.Random, lang: str, *, extras: bool = False):  # noqa: ANN202  # noqa: E501
        size = rng.choice(item.sizes) if item.sizes else None
        extra = (
            rng.choice(item.extras)
            if extras and item.extras and (lang == "en" or not item.options or rng.random() < 0.5)
            else None
        )
        option = rng.choice(item.options) if extras and item.options and lang == "fr" and not extra else None
        opts = tuple(x for x in (size, extra, option) if x)
        return Line(item.name, q, opts), size, extra, option

    def _order(self, rng: random.Random, cid: str, lang: str, category: str) -> Conversation:
        w = W[lang]
        if category == "closed":
            day = _closed_day(self.store, rng)
            now = datetime.combine(day, time(rng.choice((12, 19))), tzinfo=self.tz)
        else:
            now = _open_moments(self.store, rng, self.tz)
        c = self._conv(cid, lang, category, now, [], rng)
        digits = category == "stt" or rng.random() < 0.3
        sized = {"sizes": True} if category == "yes_first" else {}  # so that a size is asked
        first = self._pick(rng, extras=False, **sized) if category != "extras" else None
        if category == "extras":
            first = next(
                (
                    i
                    for i in rng.sample(self.items, len(self.items))
                    if i.extras or (i.options and lang == "fr")
                ),
                self.items[0],
            )
        assert first is not None
        q = rng.choice((1, 1, 2, 2, 3, 4))
        line, size, extra, option = self._line(first, q, rng, lang, extras=category == "extras")
        said_size = None if category == "yes_first" else size  # held back: "which size?" comes
        text = self._phrase(first, q, lang, rng, said_size, extra, option, digits)
        c.lines, c.said = [line], [first.name]
        if (
            category in ("order", "stt", "closed", "extras", "other_answer", "correction")
            and rng.random() < 0.5
        ):
            second = self._pick(rng, exclude={first.name})
            q2 = rng.choice((1, 2, 3))
            line2, s2, _, _ = self._line(second, q2, rng, lang)
            text += w["and"] + self._phrase(second, q2, lang, rng, s2, digits=digits)
            c.lines.append(line2)
            c.said.append(second.name)
        if category == "multi":
            others = [self._pick(rng, exclude={first.name})]
            others.append(self._pick(rng, exclude={first.name, others[0].name}))
            phrases = []
            for other in others:
                qo = rng.choice((1, 2, 3))
                lo, so, _, _ = self._line(other, qo, rng, lang)
                phrases.append(self._phrase(other, qo, lang, rng, so, digits=digits))
                c.lines.append(lo)
                c.said.append(other.name)
            if first.sizes and rng.random() < 0.5:
                # the size is held back: the addition comes while "which size?" is pending
                opening = rng.choice(w["want"]).format(
                    x=self._phrase(first, q, lang, rng, None, digits=digits)
                )
                c.turns = [opening, rng.choice(w["also"]).format(x=w["and"].join(phrases))]
                return c
            text += ", " + ", ".join(phrases[:-1]) + w["and"] + phrases[-1]
        if category == "quantity_after":
            c.lines = [Line(first.name, q if q > 1 else 3, tuple(x for x in (size,) if x))]
            qn = c.lines[0].quantity
            name = (
                plural(first.say, 2, random.Random(0))
                if " " not in first.say and first.say[-1] not in "sxz"
                else first.say
            )
            if size:
                name = f"{name} {size.lower()}"
            qw = qty_words(qn, lang, rng, first.gender, digits)
            c.turns = [rng.choice(w["qty_after"]).format(x=name, q=qw, Q=qw.capitalize())]
            return c
        if category == "question_first":
            ask = rng.choice(["price", "veg", "hours"])
            q_line = {
                "price": rng.choice(w["price_q"]),
                "veg": rng.choice(w["veg_q"]),
                "hours": rng.choice(w["hours_q"]),
            }[ask]
            art = ("la " if first.gender == "f" else "le ") if lang == "fr" else "the "
            q_line = q_line.format(x=art + first.say, X=(art + first.say).capitalize())
            if ask == "price" and not size:
                take = rng.choice(w["then_take"]).format(q=qty_words(q, lang, rng, first.gender, digits))
                c.turns = [q_line, take]
            else:
                c.turns = [q_line, rng.choice(w["want"]).format(x=text)]
            return c
        if category == "absurd":
            big = rng.choice((20, 30, 40, 50))
            small = big // 10
            c.lines = [Line(first.name, small, tuple(x for x in (size,) if x))]
            text = self._phrase(first, big, lang, rng, size, digits=False)
            text = text.replace(str(big), (NUM_FR_BIG if lang == "fr" else NUM_EN_BIG)[big])
            c.questioned = True
            c.absurd_fix = (
                f"Non, {NUM['fr'][small]} seulement." if lang == "fr" else f"No, just {NUM['en'][small]}."
            )
        c.turns = [rng.choice(w["want"]).format(x=text)]
        if category == "correction":
            self._correction(c, rng, lang, digits)
        if category == "stt":
            c.turns = [stt(t, lang, rng) for t in c.turns]
        if category == "closed":
            c.lines = []
        if category == "no_thanks":
            art = ("la " if first.gender == "f" else "le ") if lang == "fr" else "the "
            q_line = rng.choice(w["price_q"] + w["hours_q"]).format(
                x=art + first.say, X=(art + first.say).capitalize()
            )
            c.turns = [q_line, rng.choice(w["no_thanks"])]
            c.lines, c.said = [], []
        return c

    def _correction(self, c: Conversation, rng: random.Random, lang: str, digits: bool) -> None:
        w = W[lang]
        line = c.lines[0]
        item = next(i for i in self.items if i.name == line.product)
        kinds = (
            ["qty", "replace"] + (["size"] if item.sizes else []) + (["remove"] if len(c.lines) > 1 else [])
        )
        kind = rng.choice(kinds)
        if kind == "qty":
            new = rng.choice([n for n in (1, 2, 3, 4) if n != line.quantity])
            fix = rng.choice(w["fix_qty"]).format(
                q=qty_words(new, lang, rng, item.gender, digits), p=qty_words(line.quantity, lang, rng, item.gender, digits),  # noqa: E501
                x=plural(item.say, new, rng),
            )  # fmt: skip
            c.lines[0] = Line(line.product, new, line.options)
        elif kind == "size":
            old = next(o for o in line.options if o in item.sizes)
            new_size = rng.choice([s for s in item.sizes if s != old] or [old])
            fix = rng.choice(w["fix_size"]).format(s=new_size.lower(), x=item.say)
            c.lines[0] = Line(
                line.product, line.quantity, tuple(new_size if o == old else o for o in line.options)
            )
        elif kind == "remove":
            gone = c.lines.pop()
            gone_item = next(i for i in self.items if i.name == gone.product)
            art = ("la " if gone_item.gender == "f" else "le ") if lang == "fr" else "the "
            fix = rng.choice(w["remove"]).format(x=art + gone_item.say)
        else:
            other = self._pick(rng, exclude={i.product for i in c.lines}, sizes=False)
            art = ("la " if item.gender == "f" else "le ") if lang == "fr" else "the "
            art2 = ("la " if other.gender == "f" else "le ") if lang == "fr" else "the "
            fix = rng.choice(w["replace"]).format(x=art + item.say, y=art2 + other.say)
            if item.sizes:  # a replacement keeps the count; a sized item turns into an unsized one
                pass
            c.lines[0] = Line(other.name, line.quantity, ())
            c.said.append(other.name)
        c.turns.append(fix)

    # --- bookings -------------------------------------------------------------------------------
    def _booking(self, rng: random.Random, cid: str, lang: str, category: str) -> Conversation:

        w = W[lang]
        now = _open_moments(self.store, rng, self.tz)
        service = rng.choice(self.services)
        who = rng.choice(self.staff) if self.staff and rng.random() < 0.4 else None
        c = self._conv(cid, lang, category, now, [], rng)
        if category == "closed":
            day = _closed_day(self.store, rng)
            at = time(rng.choice((10, 11, 15)))
            when = day_words(day, now.date(), lang, rng) + w["at"].format(t=time_words(at, lang))
            c.turns = [rng.choice(w["book"]).format(svc=service.name.lower(), when=when)]
            return c
        slot = None
        for _ in range(20):
            day = now.date() + timedelta(days=rng.choice((0, 0, 1, 2, 3, 4, 6, 8)))
            slots = availability.service_slots(service, day, now=now, resource_id=who.pk if who else None)
            if slots:
                slot = rng.choice(slots)
                break
        if slot is None:
            raise ValueError(f"no slot for {service} in {self.store.slug}")
        local = slot.starts_at.astimezone(self.tz)
        when = day_words(local.date(), now.date(), lang, rng) + w["at"].format(
            t=time_words(local.time(), lang)
        )
        c.when_words = when
        text = rng.choice(w["book"]).format(svc=service.name.lower(), when=when)
        if who is not None:
            text = text.rstrip(".?") + w["with"].format(who=who.name) + text[-1]
        c.booking = {
            "service": service.name,
            "starts_at": local.replace(tzinfo=None).isoformat(timespec="minutes"),
        }
        if who is not None:
            c.booking["resource"] = who.name
        c.turns = [text]
        if category == "stt":
            c.turns = [stt(text, lang, rng)]
        if category == "yes_first":
            # the service and the day: the assistant offers times and asks which; the caller says
            # "yes" (which picks none of them), then the time
            day = day_words(local.date(), now.date(), lang, rng)
            c.turns = [rng.choice(w["book"]).format(svc=service.name.lower(), when=day)]
            c.when_words = day + w["at"].format(t=time_words(local.time(), lang))
            if who is not None:
                c.when_words += w["with"].format(who=who.name)
        if category == "other_answer":
            # the service alone first; asked when, the caller gives their name instead, then the time
            c.turns = [
                rng.choice(w["book"])
                .format(svc=service.name.lower(), when="")
                .replace("  ", " ")
                .replace(" .", ".")
                .replace(" ?", " ?")
            ]
            c.when_words = when + (w["with"].format(who=who.name) if who else "")
        return c

    def _reservation(self, rng: random.Random, cid: str, lang: str) -> Conversation:

        w = W[lang]
        now = _open_moments(self.store, rng, self.tz)
        party = rng.choice((2, 2, 3, 4, 5, 6))
        c = self._conv(cid, lang, "reservation", now, [], rng)
        for _ in range(20):
            day = now.date() + timedelta(days=rng.choice((0, 1, 2, 3, 5)))
            slots = availability.reservation_slots(self.store, day, party, now=now)
            if slots:
                slot = rng.choice(slots)
                break
        else:
            raise ValueError("no table slot")
        local = slot.starts_at.astimezone(self.tz)
        when = day_words(local.date(), now.date(), lang, rng) + w["at"].format(
            t=time_words(local.time(), lang)
        )
        n = NUM[lang][party] if rng.random() < 0.5 else str(party)
        c.turns = [rng.choice(w["table"]).format(n=n, when=when)]
        c.reservation = {
            "party_size": party,
            "starts_at": local.replace(tzinfo=None).isoformat(timespec="minutes"),
        }
        return c
