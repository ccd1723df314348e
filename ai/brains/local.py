"""The embedded brain: deterministic, offline, French and English.

Each caller line goes through the same steps: detect the language (and follow the caller if
they switch), classify intents and pull entities (catalog items with quantities, sizes and
extras, dates and times in the store's zone, party size, names), then either answer the
question the brain last asked (`Pending.expect` in `ai.brains.state`, handled through the
`ANSWERS` table below) or start what the caller asked for. What each skill does lives in
`ai.brains.skills`, one mixin a skill. Every effect goes through the shared tools, so the local
brain and the OpenAI brain are held to the same rules; a tool's refusal is spoken with the
alternatives it offers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from ai.brains import BrainTurn, dietary
from ai.brains import phrases as ph
from ai.brains.skills.bookings import Bookings
from ai.brains.skills.common import (
    ANAPHORA,
    CORRECTION,
    MEASURES,
    SET_QUANTITY,
    Dialogue,
    Heard,
    _describes_a_need,
    _office,
    _without_greeting,
)
from ai.brains.skills.complaints import Complaints
from ai.brains.skills.ending import Ending
from ai.brains.skills.handover import Handover
from ai.brains.skills.manage_bookings import ManageBookings
from ai.brains.skills.orders import Orders
from ai.brains.skills.questions import Questions
from ai.brains.state import Expect, Pending
from ai.matching import index_for
from ai.nlu import intents as nlu_intents
from ai.nlu import kitchen_notes as kn
from ai.nlu import language, tone
from ai.nlu.numbers import find_numbers
from ai.nlu.text import normalize
from ai.nlu.when import parse_when
from ai.tools import ToolContext, call_tool
from kalliky.languages import SUPPORTED_LANGUAGES

# Expects whose every question is a yes/no one: a plain "oui" answers them. Any other expect is an
# open question ("À quelle heure ?", "À quel nom ?", "Quelle taille ?") unless that one question
# was asked with yes_no=True ("… Cela vous convient ?"); to an open question a bare "oui" picks
# nothing and the question is asked again.
YES_NO_EXPECTS = frozenset(
    {
        Expect.CONFIRM_ORDER,
        Expect.BOOKING_CONFIRM,
        Expect.MANAGE_CONFIRM,
        Expect.QUANTITY_CHECK,
        Expect.UPSELL,
        Expect.MORE,
        Expect.HUMAN_OFFER,
        Expect.URGENT_OFFER,
    }
)

BARE_YES = frozenset(
    "oui ouais ouaip ok okay d accord daccord parfait tres bien bien sur volontiers yes yeah yep yup sure "
    "please of course certainly alright right fine s il vous plait svp merci thanks euh um".split()
)

PEOPLE_WORDS = frozenset("personnes personne couverts people persons guests".split())

NUMBER_LEADS = frozenset("deux trois quatre cinq six sept huit neuf un une".split())

ORDER_LEADS = frozenset("voudrais veux prends prendrai mettez mets donnez et aussi plus avec".split())

ABANDON = re.compile(
    r"\b(laissez tomber|laisse tomber|je rappellerai|je vais rappeler|je rappelle plus tard|annulez tout|"
    r"oubliez (tout|ca|la commande)|never mind|nevermind|forget it|forget about it|i ll call back|"
    r"call back later|cancel everything|cancel the (whole )?order)\b"
)


class LocalBrain(Orders, Bookings, ManageBookings, Questions, Complaints, Handover, Ending, Dialogue):
    name = "local"

    def turn(self, tc: ToolContext, text: str) -> BrainTurn:
        session = tc.session
        detected = language.detect_language(text)
        if detected in SUPPORTED_LANGUAGES and detected != session.lang and len(text.split()) >= 3:
            session.lang = detected
        heard = self._hear(tc, text)
        reply = self._dispatch(tc, heard)
        if reply is None:
            reply = self._misunderstood(tc)
        else:
            session.failures = 0
        return BrainTurn(text=reply, brain=self.name)

    def _hear(self, tc: ToolContext, text: str) -> Heard:
        words = self._homophones(tc, normalize(text).split())
        lang = tc.session.lang
        mentions = index_for(tc.ctx).find(words) if tc.ctx.has_products else []
        return Heard(
            text=text,
            words=words,
            norm=" ".join(words),
            intents=nlu_intents.classify(text, lang),
            mentions=mentions,
            when=parse_when(text, tc.now, lang),
            lang=lang,
        )

    def _homophones(self, tc: ToolContext, words: list[str]) -> list[str]:
        """What speech-to-text hears for what was said: "cent olives" is "sans olives" (a hundred
        olives is no order), "vin personnes" is "vingt", "de pizzas" / "pour de" is "deux"."""
        index = index_for(tc.ctx) if tc.ctx.has_products else None
        out = list(words)
        for i, w in enumerate(out):
            nxt = out[i + 1] if i + 1 < len(out) else ""
            prev = out[i - 1] if i else ""
            if w == "cent" and nxt and not find_numbers(nxt) and nxt not in MEASURES and nxt != "euros":
                if prev not in NUMBER_LEADS and (index is None or not index._token_matches(nxt)):
                    out[i] = "sans"
            elif w == "vin" and nxt in PEOPLE_WORDS:
                out[i] = "vingt"
            elif w == "de" and (nxt in PEOPLE_WORDS or (not nxt and prev in ("pour", "a"))):
                out[i] = "deux"
            elif w == "de" and prev in ORDER_LEADS and nxt.endswith(("s", "x")) and index is not None:
                if index._token_matches(nxt) or index._token_matches(nxt[:-1]):
                    out[i] = "deux"
        return out

    def _dispatch(self, tc: ToolContext, h: Heard) -> str | None:
        pending = tc.session.pending
        if h.has("human"):
            if tc.ctx.has_consultations and tone.pressing(h.norm) and _describes_a_need(h.words, _office(tc)):
                # "contrôle fiscal ce matin, je dois parler à maître Durand aujourd'hui": recorded
                # as urgent before the hand-over, so the office has it even if nobody picks up
                Pending(tc.session.pending).booking = {
                    "kind": "consultation",
                    "problem": _without_greeting(h.text),
                    "urgency": self._consult_urgency(h),
                }
                return self._urgent_transfer(tc, h.lang)
            return self._transfer(tc, "caller asked for a person")
        if ABANDON.search(h.norm):
            # "laissez tomber, je rappellerai": nothing is ordered, the call ends politely
            tc.session.cart = []
            call_tool(tc, "end_call", {"reason": "caller gave up"})
            pending.clear()
            return ph.say(h.lang, "goodbye")
        diet = dietary.answer(tc, h)
        if diet is not None:
            # A question about the menu is answered, never taken as an order; whatever we were
            # asking before is asked again.
            return self._with_followup(tc, diet)
        state = Pending(pending)
        expect = state.expect
        if expect is Expect.HUMAN_OFFER:
            state.expect = None
            if h.yes:
                return self._transfer(tc, "misunderstanding")
            if h.no:
                # "No thanks, I just want a table": the rest of the line is the real request
                return self._new_request(tc, h) or ph.say(h.lang, "how_help")
        if expect and h.yes and not (expect in YES_NO_EXPECTS or state.yes_no):
            if all(w in BARE_YES for w in h.words):
                # "oui" to "À quelle heure ?" answers nothing: never pick for the caller
                return self._open_again(tc, h.lang)
        if expect:
            handler = self.ANSWERS.get(expect)
            if handler is not None:
                reply = handler(self, tc, h)
                if reply is not None:
                    return reply
        return self._new_request(tc, h)

    def _new_request(self, tc: ToolContext, h: Heard) -> str | None:
        ctx = tc.ctx
        session = tc.session
        if h.has("complaint") or (not h.mentions and (tone.angry(h.norm) or tone.waiting(h.norm))):
            return self._complaint(tc, h)
        if h.has("cancel_booking") or h.has("move_booking") or h.has("my_bookings"):
            return self._my_bookings(tc, h)
        state = Pending(session.pending)
        usual_offered, state.usual_offered = state.usual_offered, False  # offered for the first answer only
        if h.has("usual") or (usual_offered and h.yes and not h.mentions):
            return self._usual(tc, h)
        question = self._question(tc, h)
        if question is not None:
            return self._with_followup(tc, question)
        if h.has("consultation") and ctx.has_consultations:
            return self._booking_start(tc, h, "consultation")
        if h.has("reservation") and ctx.has_reservations and not h.mentions:
            return self._booking_start(tc, h, "reservation")
        requests_only = ctx.has_consultations and all(s.pattern == "AVAILABILITY" for s in ctx.services)
        if requests_only and (h.has("service_booking") or h.has("consultation")):
            return self._booking_start(tc, h, "consultation")
        if (
            ctx.services
            and (h.has("service_booking") or self._service_in(tc, h) is not None)
            and not h.mentions
        ):
            service = self._service_in(tc, h)
            if service is not None and service.pattern == "AVAILABILITY" and ctx.has_consultations:
                return self._booking_start(tc, h, "consultation")
            return self._booking_start(tc, h, "service")
        if h.has("consultation") and ctx.services and not ctx.has_consultations:
            return self._booking_start(tc, h, "service")
        if ctx.has_products and (
            h.mentions
            or (session.cart and kn.said_alone(h.words, h.lang))
            or h.has("order")
            or h.has("modify_order")
            or h.has("cancel_item")
            or (ANAPHORA.search(h.norm) and state.topic_item)
            or (SET_QUANTITY.search(h.norm) and find_numbers(h.norm) and state.topic_item)
            or (
                session.cart
                and find_numbers(h.norm)
                and (CORRECTION.search(h.norm) or SET_QUANTITY.search(h.norm))
            )
        ):
            return self._order(tc, h)
        if (
            h.has("goodbye")
            or (h.has("done") and not session.cart)
            or (h.has("no") and session.orders)
            or tone.closing(h.norm)  # "non merci" with nothing pending
        ):
            return self._goodbye(tc, h)
        if h.has("thanks"):
            return ph.say(h.lang, "welcome")
        if h.has("greeting"):
            return ph.say(h.lang, "how_help")
        if h.has("repeat") and len(session.messages) >= 3:
            return str(session.messages[-3]["content"])
        return None

    # What the brain does with the line that answers each question it asks. A handler returning
    # None lets the line start something new instead; HUMAN_OFFER is settled in `_dispatch`
    # before this table, because its "yes" hands over and its "no" carries the real request.
    ANSWERS: ClassVar[dict[Expect, Callable[[Any, ToolContext, Heard], str | None]]] = {
        # orders
        Expect.MORE: Orders._answer_more,
        Expect.SIZE: Orders._answer_size,
        Expect.QUANTITY_CHECK: Orders._answer_quantity_check,
        Expect.WHICH_LINE: Orders._answer_which_line,
        Expect.UPSELL: Orders._answer_upsell,
        Expect.DELIVERY_TYPE: Orders._answer_delivery_type,
        Expect.ADDRESS: Orders._answer_address,
        Expect.CONFIRM_ORDER: Orders._answer_confirm_order,
        # bookings
        Expect.BOOKING: Bookings._answer_booking,
        Expect.BOOKING_FIELD: Bookings._answer_booking_field,
        Expect.BOOKING_PROBLEM: Bookings._answer_booking_problem,
        Expect.URGENT_OFFER: Bookings._answer_urgent_offer,
        Expect.BOOKING_NAME: Bookings._answer_booking_name,
        Expect.BOOKING_CONFIRM: Bookings._answer_booking_confirm,
        # managing bookings
        Expect.MANAGE_PICK: ManageBookings._answer_manage_pick,
        Expect.MANAGE_CONFIRM: ManageBookings._answer_manage_confirm,
        Expect.MANAGE_WHEN: ManageBookings._answer_manage_when,
        # complaints
        Expect.COMPLAINT: Complaints._answer_complaint,
    }
