"""The simulated caller: says its scripted lines, then answers the assistant's questions from its
intent, and refuses a read-back that is not what it wants (once or twice) before giving up.

It understands the assistant the way a person would, from broad words of a receptionist's
question ("size", "name", "pick up", "confirm"), not from the brain's exact sentences; the order
read-back is compared through the cart the assistant has just read back."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from bench.callers.generator import NUM, Conversation, Line, fold, spoken

ASK = {
    "confirm": ("je confirme", "je l enregistre", "shall i confirm", "shall i book", "should i book",
                "is that right", "c est bien ca", "je reserve", "shall i"),
    "size": ("taille", "size", "quel format", "which one"),
    "delivery": ("emporter", "livraison", "pick up", "pickup", "delivery", "collect"),
    "address": ("adresse", "address"),
    "name": ("quel nom", "votre nom", "what name", "your name", "name for", "nom pour"),
    "phone": ("numero", "phone number", "telephone"),
    "party": ("combien de personnes", "how many people", "how many guests", "pour combien"),
    "when": ("quel jour", "quelle heure", "what day", "what time", "which day", "which time", "when would",
             "quand"),
    "service": ("quelle prestation", "which service", "what service", "quel soin", "quel service"),
    "field": ("pouvez vous me dire", "can you tell me", "could you tell me"),
    "problem": ("votre besoin", "describe", "decrire"),
    "misheard": ("pas compris", "didn t catch", "repeter", "say it another way", "autrement", "pardon"),
    "more": ("autre chose", "anything else", "ce sera tout", "something else"),
    "done": ("c est confirme", "c est reserve", "c est enregistre", "confirmed", "booked", "is in", "all set"),  # noqa: E501
}  # fmt: skip
SAY = {
    "fr": {"yes": "Oui, c'est parfait.", "no_more": "Non merci, c'est tout.", "takeaway": "À emporter.",
           "bye": "Non merci, au revoir.", "address": "Au 14 rue des Lilas.", "phone": "06 12 34 56 78",
           "missing": "Non, il manque {x}.", "wrong": "Non, je voulais {x}.", "give_up": "Non, laissez tomber, au revoir.",  # noqa: E501
           "problem": "Une douleur au genou depuis deux semaines.", "field": "Court.", "off": "C'est à emporter.",  # noqa: E501
           "again": "Je voudrais {x}."},
    "en": {"yes": "Yes, that's right.", "no_more": "No thanks, that's all.", "takeaway": "For pick up.",
           "bye": "No thanks, bye.", "address": "14 Lilac Street.", "phone": "06 12 34 56 78",
           "missing": "No, you forgot {x}.", "wrong": "No, I wanted {x}.", "give_up": "No, forget it, bye.",
           "problem": "Knee pain for two weeks.", "field": "Short.", "off": "It's for pick up.",
           "again": "I'd like {x}."},
}  # fmt: skip
MAX_TURNS = 16
OPEN_QUESTIONS = ("size", "when", "name", "delivery", "party", "service")
# A size the caller hears in the other language: "large" is the menu's "grande" (the caller's own
# knowledge, not the brain's lists).
SIZE_HEARD = {"grande": ("large", "big"), "grand": ("large", "big"), "petite": ("small",),
              "petit": ("small",), "moyenne": ("medium",), "moyen": ("medium",), "large": ("grand", "grande"),
              "small": ("petit", "petite"), "medium": ("moyen", "moyenne"),
              "regular": ("normal",), "familiale": ("family",), "family": ("familiale",)}  # fmt: skip


def asks(text: str, what: str) -> bool:
    folded = f" {fold(text)} "
    return any(f" {k} " in folded or folded.endswith(f" {k} ") for k in ASK[what]) or any(
        k in folded for k in ASK[what] if " " in k
    )


def cart_lines(cart: dict[str, Any]) -> list[Line]:
    return [
        Line(li["name"], int(li["quantity"]), tuple(li.get("options") or ())) for li in cart.get("lines", [])
    ]


def describe(line: Line, lang: str) -> str:
    q = NUM[lang][line.quantity] if line.quantity <= 12 else str(line.quantity)
    opts = " ".join(o.lower() for o in line.options)
    return f"{q} {spoken(line.product)}" + (f" {opts}" if opts else "")


@dataclass
class Caller:
    conv: Conversation
    script: list[str] = field(default_factory=list)
    corrections: int = 0
    readbacks: int = 0
    first_readback: list[Line] | None = None
    off_topic_done: bool = False
    questioned: bool = False
    hung_up: bool = False
    said_yes: bool = False

    def __post_init__(self) -> None:
        self.script = list(self.conv.turns)
        self.rng = random.Random(self.conv.id)

    @property
    def lang(self) -> str:
        return self.conv.lang

    def opening(self) -> str:
        return self.script.pop(0)

    def next_line(self, reply_text: str, cart: dict[str, Any]) -> str | None:
        """What the caller says next, or None when they hang up."""
        c, s = self.conv, SAY[self.lang]
        if asks(reply_text, "done") and not asks(reply_text, "confirm"):
            self.hung_up = True
            return None if self.rng.random() < 0.5 else s["bye"]
        if (
            c.questioned
            and not self.questioned
            and not asks(reply_text, "confirm")
            and any(w in fold(reply_text) for w in ("vraiment", "really", "sure", "sur ", "bien ", "confirm"))
        ):
            self.questioned = True
            return c.absurd_fix
        if asks(reply_text, "confirm"):
            return self._readback(cart)
        if self.script:
            return self.script.pop(0)
        if c.category == "yes_first" and not self.said_yes and not asks(reply_text, "more"):
            if any(asks(reply_text, what) for what in OPEN_QUESTIONS):
                self.said_yes = True  # "oui" to "which size?": the assistant must ask again
                return "Oui." if self.lang == "fr" else "Yes."
        if c.category == "other_answer" and not self.off_topic_done and self._is_question(reply_text):
            self.off_topic_done = True
            return c.name if c.booking else s["off"]
        return self._answer(reply_text, cart)

    def _is_question(self, text: str) -> bool:
        return "?" in text

    def _answer(self, text: str, cart: dict[str, Any]) -> str | None:
        c, s = self.conv, SAY[self.lang]
        if asks(text, "size"):
            return self._size(text, cart)
        if asks(text, "service") and c.booking:
            return c.booking["service"].lower()
        if asks(text, "party") and c.reservation:
            return str(c.reservation["party_size"])
        if asks(text, "name"):
            return c.name
        if asks(text, "address"):
            return s["address"]
        if asks(text, "phone"):
            return s["phone"]
        if asks(text, "when") and (c.booking or c.reservation):
            return c.when_words or s["no_more"]
        if asks(text, "delivery"):
            return s["takeaway"]
        if asks(text, "problem"):
            return s["problem"]
        if asks(text, "field"):
            return s["field"]
        if asks(text, "misheard") and c.category != "stt":
            return None if self.corrections > 2 else self._missing_or_done(cart)
        if asks(text, "more") or c.lines:
            return s["no_more"]
        self.hung_up = True
        return s["bye"]

    def _size(self, text: str, cart: dict[str, Any]) -> str:
        folded = fold(text)
        for line in self.conv.lines:
            if fold(spoken(line.product)) in folded:
                size = next((h for h in (_heard(o, folded) for o in line.options) if h), None)
                if size:
                    return size
        sized = [h for line in self.conv.lines for h in (_heard(o, folded) for o in line.options) if h]
        return sized[0] if sized else SAY[self.lang]["no_more"]

    def _missing_or_done(self, cart: dict[str, Any]) -> str:
        got = {li.key() for li in cart_lines(cart)}
        missing = [li for li in self.conv.lines if li.key() not in got]
        if missing:
            return SAY[self.lang]["again"].format(x=describe(missing[0], self.lang))
        return SAY[self.lang]["no_more"]

    def _readback(self, cart: dict[str, Any]) -> str | None:
        s = SAY[self.lang]
        self.readbacks += 1
        c = self.conv
        if not c.lines:  # a booking's read-back: the judge reads the row it leaves
            if c.category in ("closed", "no_thanks"):
                return s["give_up"]
            return s["yes"]
        got = cart_lines(cart)
        if self.first_readback is None:
            self.first_readback = got
        want = {li.key() for li in c.lines}
        have = {li.key() for li in got}
        if want == have:
            return s["yes"]
        if self.corrections >= 2:
            self.hung_up = True
            return s["give_up"]
        self.corrections += 1
        missing = [li for li in c.lines if li.key() not in have]
        extra = [li for li in got if li.key() not in want]
        if missing and not extra:
            return s["missing"].format(x=describe(missing[0], self.lang))
        return s["wrong"].format(
            x=" et ".join(describe(li, self.lang) for li in c.lines)
            if self.lang == "fr"
            else " and ".join(describe(li, self.lang) for li in c.lines)
        )


def _heard(option: str, folded: str) -> str:
    """The option as the question said it (the menu's word or its translation), or ""."""
    if fold(option) in folded:
        return option.lower()
    words = folded.split()
    return next((alias for alias in SIZE_HEARD.get(fold(option), ()) if alias in words), "")
