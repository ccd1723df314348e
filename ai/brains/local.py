"""The embedded brain: deterministic, offline, French and English.

Each caller line goes through the same steps: detect the language (and follow the caller if
they switch), classify intents and pull entities (catalog items with quantities, sizes and
extras, dates and times in the store's zone, party size, names), then either answer the
question the brain last asked (`Pending.expect`, see `ai.brains.state`) or start what the caller asked for.
Every effect goes through the shared tools, so the local brain and the OpenAI brain are held to
the same rules; a tool's refusal is spoken with the alternatives it offers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar

from rapidfuzz import fuzz

from ai.brains import BrainTurn, dietary
from ai.brains import phrases as ph
from ai.brains.state import Expect, Pending
from ai.context import ItemCtx
from ai.matching import (
    EXTRA_MARKERS,
    SERVICE_LEXICON,
    Mention,
    find_extras,
    find_size,
    index_for,
    removals_in_french,
    size_words,
)
from ai.nlu import complaints, language, tone, topics
from ai.nlu import intents as nlu_intents
from ai.nlu import kitchen_notes as kn
from ai.nlu.numbers import find_numbers
from ai.nlu.people import parse_name, parse_party_size
from ai.nlu.text import normalize
from ai.nlu.when import When, combine, parse_when
from ai.tools import MAX_QUANTITY, ToolContext, call_tool

CONNECTORS = frozenset({"et", "and", "puis", "plus", "then", "also", "aussi"})
DELIVERY_WORDS = frozenset({"livraison", "livrer", "livre", "livrez", "delivery", "deliver", "delivered"})
TAKEAWAY_WORDS = frozenset(
    {
        "emporter",
        "emporte",
        "takeaway",
        "pickup",
        "collect",
        "collection",
        "takeout",
        "chercher",
        "recuperer",
        "retirer",
        "passe",
    }
)
TAKEAWAY_PHRASES = (
    "take away", "pick up", "pick it up", "pick them up", "pick that up", "je passe", "viens chercher",
    "vais passer", "take out", "to go", "for collection", "collect it", "collect them", "sur place non",
)  # fmt: skip
DINE_IN_PHRASES = ("sur place", "dine in", "eat in", "eat here")
UPSELL_HINTS = {
    "drink": ("boisson", "drink", "beverage", "bar", "vin", "wine"),
    "dessert": ("dessert", "glace", "sweet", "patisserie"),
}
ORDINALS = {
    "premier": 0,
    "premiere": 0,
    "first": 0,
    "deuxieme": 1,
    "second": 1,
    "seconde": 1,
    "troisieme": 2,
    "third": 2,
    "derniere": -1,
    "dernier": -1,
    "last": -1,
}
NO_PREFERENCE = (
    "le plus tot possible",
    "des que possible",
    "au plus vite",
    "as soon as possible",
    "asap",
    "earliest",
    "peu importe",
    "pas de preference",
    "n importe",
    "no preference",
    "any time",
    "anytime",
    "whenever",
)


@dataclass
class Heard:
    text: str
    words: list[str]
    norm: str
    intents: dict[str, float]
    mentions: list[Mention]
    when: When | None
    lang: str

    def has(self, intent: str, threshold: float = 0.5) -> bool:
        return self.intents.get(intent, 0.0) >= threshold

    @property
    def yes(self) -> bool:
        return self.has("yes") and not self.has("no")

    @property
    def no(self) -> bool:
        return self.has("no") and not self.has("yes")


class LocalBrain:
    name = "local"

    # --- entry ------------------------------------------------------------------------
    def turn(self, tc: ToolContext, text: str) -> BrainTurn:
        session = tc.session
        detected = language.detect_language(text)
        if detected in ("fr", "en") and detected != session.lang and len(text.split()) >= 3:
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
                tc.session.pending["booking"] = {"kind": "consultation", "problem": _without_greeting(h.text),
                                                 "urgency": self._consult_urgency(h)}  # fmt: skip
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

    # --- what the caller starts ---------------------------------------------------------
    def _new_request(self, tc: ToolContext, h: Heard) -> str | None:
        ctx = tc.ctx
        session = tc.session
        if h.has("complaint") or (not h.mentions and (tone.angry(h.norm) or tone.waiting(h.norm))):
            return self._complaint(tc, h)
        if h.has("cancel_booking") or h.has("move_booking") or h.has("my_bookings"):
            return self._my_bookings(tc, h)
        if h.has("usual") or (session.pending.get("usual_offered") and h.yes and not h.mentions):
            session.pending.pop("usual_offered", None)
            return self._usual(tc, h)
        session.pending.pop("usual_offered", None)
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
            or (ANAPHORA.search(h.norm) and session.pending.get("topic_item"))
            or (SET_QUANTITY.search(h.norm) and find_numbers(h.norm) and session.pending.get("topic_item"))
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

    def _with_followup(self, tc: ToolContext, answer: str) -> str:
        """After answering a question in the middle of something, ask again what we were asking."""
        state = Pending(tc.session.pending)
        again = state.asked
        return f"{answer} {again}" if again and state.expect else answer

    def _ask(self, tc: ToolContext, expect: Expect, text: str, *, yes_no: bool = False) -> str:
        """Ask a question and wait for its answer; `yes_no` marks a question that a plain "yes"
        answers when its expect is one that also asks open questions (see YES_NO_EXPECTS)."""
        Pending(tc.session.pending).ask(expect, text.split(". ")[-1] if ". " in text else text, yes_no=yes_no)
        return text

    def _open_again(self, tc: ToolContext, lang: str) -> str:
        pending = tc.session.pending
        offered = (pending.get("booking") or {}).get("offered") or []
        if offered and Pending(pending).expect is Expect.BOOKING:
            times = ph.join([ph.clock(o["time"], lang) for o in offered], lang, "or")
            return ph.say(lang, "time_pick", times=times)
        asked = Pending(pending).asked or ""
        if asked in (ph.say(lang, "time_q"), ph.say(lang, "pref_q")):
            return ph.say(lang, "time_open" if asked == ph.say(lang, "time_q") else "when_q")
        return ph.say(lang, "open_again", asked=asked[:1].lower() + asked[1:])

    def _misunderstood(self, tc: ToolContext) -> str:
        session = tc.session
        session.failures += 1
        lang = session.lang
        if session.failures >= 2:
            session.failures = 0
            Pending(session.pending).expect = Expect.HUMAN_OFFER
            return ph.say(lang, "offer_human")
        state = Pending(session.pending)
        again = state.asked if state.expect else None
        base = ph.say(lang, "reprompt")
        return f"{base} {again}" if again else base

    def _transfer(self, tc: ToolContext, reason: str) -> str:
        call_tool(tc, "transfer_to_human", {"reason": reason})
        tc.session.pending.clear()
        return ph.say(tc.session.lang, "transfer")

    def _goodbye(self, tc: ToolContext, h: Heard) -> str:
        if tc.session.cart and not tc.session.pending.get("goodbye_warned"):
            tc.session.pending["goodbye_warned"] = True
            return ph.say(h.lang, "unconfirmed") + " " + self._readback(tc, h.lang)
        call_tool(tc, "end_call", {"reason": "goodbye"})
        tc.session.pending.clear()
        return ph.say(h.lang, "goodbye")

    # --- questions ----------------------------------------------------------------------
    def _question(self, tc: ToolContext, h: Heard) -> str | None:
        lang = h.lang
        ctx = tc.ctx
        if h.has("question_price") and h.mentions:
            priced = tc.ctx.item(h.mentions[0].item_id)
            size = find_size(priced, h.words) if priced else None
            tc.session.pending["topic_size"] = size.value if size else None  # "how much is a large X"
            return self._price(tc, h.mentions[0].item_id, lang)
        if h.has("question_hours") and h.when is not None and h.when.date not in (None, tc.now.date()):
            # "Êtes-vous ouverts le 25 décembre ?": that date's answer, not today's hours
            return self._day_text(tc, call_tool(tc, "hours_on_date", {"date": h.when.date.isoformat()}), lang)
        if h.has("question_hours"):
            info = call_tool(tc, "business_info", {"topic": "hours"})
            if ph.TONIGHT.search(h.norm) and info.get("ok"):
                return self._tonight(info, lang)
            hours = "; ".join(info.get("hours", []))
            now_line = (
                ph.say(
                    lang, "open_now", closes=ph.clock(info["closes_at"], lang) + ph.later_today(info, lang)
                )
                if info.get("open_now") and info.get("closes_at")
                else ph.say(
                    lang, "closed_now_short", when=self._when_text(tc, info.get("next_opening"), lang)
                )
                if info.get("next_opening")
                else ""
            )
            return f"{now_line} {ph.say(lang, 'hours', hours=hours)}".strip()
        if h.has("question_address"):
            return ph.say(lang, "address", address=ctx.address)
        if h.has("question_delivery"):
            return ph.say(lang, "delivery_yes" if ctx.delivery_enabled else "delivery_no")
        if h.has("question_price") and ctx.services and not h.mentions:
            service = self._service_in(tc, h)
            if service is not None:
                tc.session.pending["topic_service"] = service.name
                tc.session.pending["last_was_price"] = True
                return ph.say(lang, "price", item=service.name, price=ph.money(service.price, lang))
        if h.has("question_menu") or (h.has("question_price") and not h.mentions):
            unknown = self._unknown_phrase(tc, h) if ctx.has_products and not h.mentions else ""
            if unknown:
                return self._not_on_menu(tc, h, unknown)
            if ctx.has_products:
                category_items = index_for(ctx).items_in_category(h.words)
                if category_items:
                    names = [i.name for i in category_items if i.available][:8]
                    return ph.say(
                        lang, "menu", category=category_items[0].category.lower(), items=ph.join(names, lang)
                    )
                return ph.say(lang, "menu_cats", cats=ph.join([c.lower() for c in ctx.categories], lang))
            if ctx.services:
                items = [f"{s.name} ({ph.money(s.price, lang)})" for s in ctx.services]
                return ph.say(lang, "services", items=ph.join(items, lang))
        if ctx.services and (h.has("question_price") or tc.session.pending.get("last_was_price")):
            service = self._service_in(tc, h)
            booking_words = h.has("service_booking", 0.7) or h.has("reservation", 0.7) or h.when is not None
            if service is not None and (h.has("question_price") or not booking_words):
                # "And a blow-dry?" right after a price is the next price question
                tc.session.pending["topic_service"] = service.name
                tc.session.pending["last_was_price"] = True
                return ph.say(lang, "price", item=service.name, price=ph.money(service.price, lang))
        return None

    def _tonight(self, info: dict[str, Any], lang: str) -> str:
        """ "Vous fermez à quelle heure ce soir ?": the evening service, even asked at lunch."""
        tonight = info.get("tonight")
        if tonight and tonight in info["later_today"]:
            return ph.say(
                lang,
                "tonight",
                opens=ph.clock(tonight["opens"], lang),
                closes=ph.clock(tonight["closes"], lang),
            )
        if tonight and info.get("open_now") and info.get("closes_at"):
            return ph.say(lang, "open_now", closes=ph.clock(info["closes_at"], lang))
        return (
            ph.say(lang, "closed_tonight")
            + " "
            + ph.say(lang, "hours", hours="; ".join(info.get("hours", [])))
        )

    def _unknown_phrase(self, tc: ToolContext, h: Heard) -> str:
        """What the caller named that is not on the menu ("pizza hawaienne"), or ""."""
        index = index_for(tc.ctx)
        categories = {w for c in tc.ctx.categories for w in normalize(c).split()}
        categories |= {w[:-1] for w in categories if w.endswith("s")}
        unknown = [
            w
            for w in h.words
            if len(w) > 3
            and w not in ORDER_WORDS
            and w not in categories
            and not index._token_matches(w)
            and not find_numbers(w)
        ]
        if not unknown:
            return ""
        first = h.words.index(unknown[0])
        lead = h.words[first - 1] if first and h.words[first - 1] in categories else ""
        return " ".join(([lead] if lead else []) + unknown[:3])

    def _not_on_menu(self, tc: ToolContext, h: Heard, unknown: str) -> str:
        lang = h.lang
        same_kind = index_for(tc.ctx).items_in_category(h.words)
        suggestions = [i.name for i in (same_kind or list(tc.ctx.items)) if i.available][:3]
        text = ph.say(lang, "unknown_item", item=unknown)
        if suggestions:
            text += " " + ph.say(lang, "suggest", items=ph.join(suggestions, lang))
        return text

    def _price(self, tc: ToolContext, item_id: int, lang: str) -> str:
        item = tc.ctx.item(item_id)
        assert item is not None
        tc.session.pending["topic_item"] = item.id  # "I'll take a large one" refers to it
        tc.session.pending["last_was_price"] = True
        result = call_tool(tc, "describe_item", {"item": str(item.id)})
        view = result["item"]
        if view["sizes"]:
            sizes = [
                f"{ph.size_name(s['value'], lang).lower()} {ph.money(s['price'], lang)}"
                for s in view["sizes"]
            ]
            return ph.say(lang, "price_sizes", item=item.name, sizes=ph.join(sizes, lang))
        return ph.say(lang, "price", item=item.name, price=ph.money(view["price"], lang))

    def _when_text(self, tc: ToolContext, iso: str | None, lang: str) -> str:
        if not iso:
            return ""
        at = datetime.fromisoformat(iso).astimezone(tc.tz)
        return ph.when(at, lang, tc.now.date())

    # --- orders -------------------------------------------------------------------------
    def _extras_not_items(self, tc: ToolContext, h: Heard) -> list[Mention]:
        """ "une margherita avec jambon et des champignons": the mushrooms are an extra of the
        pizza, not the pasta whose keyword they are. A mention after an extra marker that names an
        extra of the item before it is dropped (find_extras picks it up for that item)."""
        index = index_for(tc.ctx)
        kept: list[Mention] = []
        for mention in h.mentions:
            previous = kept[-1] if kept else None
            lead = h.words[mention.start - 1] if mention.start else ""
            if lead in ("sans", "without", "hold") or (previous is not None and lead == "no"):
                continue  # "une regina sans champignons": taken off the regina, not the dish they name
            if previous is not None:
                item = index.items[previous.item_id]
                between = h.words[previous.end : mention.start]
                said = h.words[mention.start : mention.end]
                spoken = (" ".join(said), " ".join(_translate_extras(said)))  # "cheese" meets "Cheese"
                if any(w in EXTRA_MARKERS for w in between) and any(
                    fuzz.partial_ratio(normalize(e.value), s) >= 85 for e in item.extras for s in spoken
                ):
                    continue
            kept.append(mention)
        return kept

    def _requests(self, tc: ToolContext, h: Heard) -> list[dict[str, Any]]:
        """One request per item mention: quantity said before it, size and extras around it."""
        index = index_for(tc.ctx)
        numbers = find_numbers(" ".join(h.words))
        out = []
        h.mentions = self._extras_not_items(tc, h)
        for n, mention in enumerate(h.mentions):
            item = index.items[mention.item_id]
            prev_end = h.mentions[n - 1].end if n else 0
            next_start = h.mentions[n + 1].start if n + 1 < len(h.mentions) else len(h.words)
            start = prev_end
            for i in range(prev_end, mention.start):
                if h.words[i] in CONNECTORS:
                    start = i + 1
            end = next_start
            for i in range(mention.end, next_start):
                if h.words[i] in CONNECTORS and not self._extra_follows(item, h.words[i + 1 : next_start]):
                    end = i
                    break
            quantity = 1
            said_before = False
            in_size = size_words(item, h.words)
            counts = [
                _before_size(h.words, x, in_size)
                for x in numbers
                if not _measure(h.words, x.end) and x.start not in in_size
            ]
            for number in counts:
                if start <= number.start < mention.start and number.end <= mention.start:
                    quantity = number.value
                    said_before = h.words[number.start] not in ("un", "une", "a", "an")
                elif mention.end <= number.start < end and not said_before and quantity == 1:
                    # "des cocas, quatre s'il vous plaît", "cokes, three of them", "2 x kebab"
                    before = h.words[number.start - 1] if number.start else ""
                    after = h.words[number.end] if number.end < len(h.words) else ""
                    if before in ("x", "fois", "times") or (
                        before not in NOT_A_COUNT_BEFORE
                        and (not after or after in COUNT_CLOSERS or find_size(item, [after]))
                    ):
                        quantity = number.value
            lead = next((x.start for x in counts if start <= x.start < mention.start), start)
            segment = h.words[lead : mention.start] + h.words[mention.end : end]  # "3 500 g X": X's size
            size = find_size(item, segment)
            extras = _extras_said(item, h.words[mention.end : end]) or _extras_said(
                item, h.words[start : mention.start]
            )
            request = {
                "item_id": item.id,
                "quantity": max(1, min(quantity, 999)),  # above the sensible bound: asked, not clamped
                "size": size.value if size else None,
                "extras": [e.value for e in extras],
                "explicit_quantity": quantity != 1 or any(start <= x.start < mention.start for x in counts),
                **_line_notes(item, h.words[mention.end : end], extras, h),
            }
            tail = " ".join(h.words[mention.end : end])
            if extras and request["quantity"] > 1 and ONE_OF_THEM.search(tail):
                # "two vegetarian, one of them with mushrooms": two lines, only one with the extra
                out.append({**request, "quantity": request["quantity"] - 1, "extras": []})
                request = {**request, "quantity": 1}
            out.append(request)
        return out

    @staticmethod
    def _extra_follows(item: ItemCtx, rest: list[str]) -> bool:
        if not rest or not item.extras:
            return False
        head = " ".join(rest[:2])
        return any(fuzz.partial_ratio(normalize(e.value), head) >= 85 for e in item.extras)

    def _order(self, tc: ToolContext, h: Heard) -> str | None:
        session = tc.session
        lang = h.lang
        self._note_delivery(tc, h)
        if h.has("cancel_item") and session.cart:
            return self._remove(tc, h)
        in_cart = [m for m in h.mentions if any(li.product_id == m.item_id for li in session.cart)]
        soft = SOFT_SWAP.search(h.norm) is not None and len(in_cart) == 1  # "not the X, the Y instead"
        if (SWAP.search(h.norm) or soft) and session.cart and len(h.mentions) >= 2:
            return self._swap(tc, h)
        corrected = self._correct(tc, h)
        if corrected is not None:
            return corrected
        if h.has("modify_order") and session.cart:
            changed = self._modify(tc, h)
            if changed is not None:
                return changed
        requests = self._requests(tc, h)
        topic = tc.ctx.item(session.pending.get("topic_item") or 0)
        anaphora = ANAPHORA.search(h.norm) is not None
        counted = bool(find_numbers(h.norm)) and SET_QUANTITY.search(h.norm) is not None
        if (
            not requests
            and topic is not None
            and (h.has("order") or anaphora or counted or find_size(topic, h.words))
        ):
            numbers = [n for n in find_numbers(h.norm) if n.value <= 999]
            size = find_size(topic, h.words) or next(
                (v for v in topic.sizes if v.value == session.pending.get("topic_size")), None
            )
            requests = [
                {
                    "item_id": topic.id,
                    "quantity": numbers[0].value if numbers else 1,
                    "size": size.value if size else None,
                    "extras": [],
                }
            ]
        if not requests:
            if h.has("done") or (h.no and session.cart):
                return self._checkout(tc, h)
            unknown = self._unknown_phrase(tc, h)
            if unknown:
                return self._ask(tc, Expect.MORE, self._not_on_menu(tc, h, unknown))
            if session.cart and h.has("order") is False:
                return None
            return self._ask(
                tc,
                Expect.MORE,
                ph.say(lang, "menu_cats", cats=ph.join([c.lower() for c in tc.ctx.categories], lang)),
            )
        in_cart = {li.product_id for li in session.cart}
        for request in list(requests):
            if request["item_id"] in in_cart and request["extras"] and not request["size"]:
                if not request["explicit_quantity"]:
                    requests.remove(request)
                    line = next(li for li in reversed(session.cart) if li.product_id == request["item_id"])
                    item = tc.ctx.item(line.product_id)
                    current = [v.value for v in item.extras if v.id in line.variation_ids] if item else []
                    result = call_tool(
                        tc,
                        "update_order_line",
                        {"line_id": line.line_id, "extras": current + request["extras"]},
                    )
                    if result["ok"] and not requests:
                        updated = ph.say(lang, "updated", item=self._line_text(result["line"], lang))
                        return updated + " " + self._after_change(tc, lang)
        # Said while a size was asked for another item: add these, then ask that question again.
        session.pending["queue"] = requests + list(session.pending.get("queue") or [])
        return self._drain_queue(tc, lang, [])

    def _wanted_count(self, h: Heard) -> int | None:
        """The count the caller means in a correction: "three, not four" → 3, "pas une, deux" → 2."""
        for number in find_numbers(h.norm):
            if number.start and h.words[number.start - 1] in NEGATION:
                continue
            if h.words[number.start] in ("a", "an", "un", "une") and number.end < len(h.words):
                continue  # "make it a large", "mettez-la en une grande": an article, not a count
            if number.start and _measure(h.words, number.end):
                continue
            return number.value
        return None

    def _correct(self, tc: ToolContext, h: Heard) -> str | None:
        """A correction replaces, never adds: "non, deux margheritas, pas une" sets that line to 2,
        "mettez-la en grande finalement" changes its size, "non, plutôt trois" / "make that two"
        sets the last line (or the item just asked about) to three / two."""
        session = tc.session
        if not session.cart:
            return None
        correcting = CORRECTION.search(h.norm) is not None
        lang = h.lang
        if not h.mentions:
            count = self._wanted_count(h)
            topic = session.pending.get("topic_item")
            topic_line = next((li for li in reversed(session.cart) if li.product_id == topic), None)
            target = topic_line or session.cart[-1]
            item = tc.ctx.item(target.product_id)
            size = find_size(item, h.words) if item is not None else None
            extras = find_extras(item, _translate_extras(h.words)) if item is not None else []
            notes = _line_notes(item, h.words, extras, h)["notes"] if item is not None else ""
            if (count is None and size is None and not extras and not notes) or not (
                correcting or SET_QUANTITY.search(h.norm) or notes
            ):
                return None
            if (
                topic
                and session.pending.get("last_was_price")
                and not any(li.product_id == topic for li in session.cart)
            ):
                return None  # "mettez-m'en deux" after a price: an order of that item
            change: dict[str, Any] = {"quantity": count} if count is not None else {}
            if notes:
                change["add_notes"] = notes  # "bien cuite s'il vous plaît": joins the line's notes
            if topic_line is None and len(session.cart) > 1 and size is None and not extras:
                return self._which_line(tc, lang, change)  # "make that three": of which? never guessed
            if size is not None:
                change["size"] = size.value
            if extras and item is not None:  # "no, with sauce curry": added to what the line has
                kept = [v.value for v in item.extras if v.id in target.variation_ids]
                change["extras"] = kept + [v.value for v in extras if v.value not in kept]
            return self._set_line(tc, lang, target.line_id, change)
        if not correcting:
            return None
        requests = self._requests(tc, h)
        changes: list[str] = []
        new: list[dict[str, Any]] = []
        for request in requests:
            lines = [li for li in session.cart if li.product_id == request["item_id"]]
            if not lines:
                new.append(request)
                continue
            item = tc.ctx.item(request["item_id"])
            sized = [
                li
                for li in lines
                if request["size"]
                and item
                and any(v.value == request["size"] and v.id in li.variation_ids for v in item.sizes)
            ]
            line = (sized or lines)[-1]
            args: dict[str, Any] = {"line_id": line.line_id}
            if request["explicit_quantity"]:
                args["quantity"] = request["quantity"]
            if request["size"]:
                args["size"] = request["size"]
            if request["extras"]:
                args["extras"] = request["extras"]
            if len(args) == 1:
                continue
            if args.get("quantity", 0) > ABSURD_QUANTITY:
                new.append({**request, "replace_line": line.line_id})
                continue
            result = call_tool(tc, "update_order_line", args)
            if not result["ok"]:
                return self._refusal_text(tc, result, lang)
            changes.append(self._line_text(result["line"], lang))
        if not changes and not new:
            return None
        text = ph.say(lang, "updated", item=ph.join(changes, lang)) if changes else ""
        if new:
            session.pending["queue"] = new
            return (text + " " + self._drain_queue(tc, lang, [])).strip()
        return text + " " + self._after_change(tc, lang)

    def _which_line(self, tc: ToolContext, lang: str, change: dict[str, Any]) -> str:
        session = tc.session
        session.pending["line_change"] = {"change": change, "was": session.pending.get("expect")}
        lines = ph.join([ph.line_words(li, lang) for li in session.cart_view()["lines"]], lang, "or")
        if change.get("quantity") is None:
            question = ph.say(lang, "which_line_note", note=change["add_notes"], lines=lines)
        else:
            question = ph.say(lang, "which_line", quantity=change["quantity"], lines=lines)
        return self._ask(tc, Expect.WHICH_LINE, question)

    def _answer_which_line(self, tc: ToolContext, h: Heard) -> str | None:
        """ "The coke", "la première": the line the pending change was for."""
        pending = tc.session.pending
        asked = pending.pop("line_change", None)
        cart = tc.session.cart
        Pending(pending).expect = None
        if not asked or not cart:
            return None
        named = [li for li in cart if any(m.item_id == li.product_id for m in h.mentions)]
        rank = next((ORDINALS[w] for w in h.words if w in ORDINALS), None)
        if len(named) != 1 and not h.mentions and rank is not None and rank < len(cart):
            named = [cart[rank]]
        if len(named) != 1:
            return None
        if asked["was"]:
            pending["expect"] = asked["was"]  # back at the read-back, it is read again after the change
        return self._set_line(tc, h.lang, named[0].line_id, asked["change"])

    def _set_line(self, tc: ToolContext, lang: str, line_id: int, change: dict[str, Any]) -> str:
        line = next(li for li in tc.session.cart if li.line_id == line_id)
        if "add_notes" in change:  # a note said on its own joins what the line already has
            added = change["add_notes"]
            change = {k: v for k, v in change.items() if k != "add_notes"}
            change["notes"] = ", ".join(dict.fromkeys(n for n in (line.notes, added) if n))
        if change.get("quantity", 0) > ABSURD_QUANTITY:
            item = tc.ctx.item(line.product_id)
            request = {"item_id": line.product_id, "quantity": change["quantity"], "size": None,
                       "extras": [], "replace_line": line_id}  # fmt: skip
            if item is not None:
                current = [v for v in item.variations if v.id in line.variation_ids]
                request["size"] = next((v.value for v in current if v.type == "size"), None)
                request["extras"] = [v.value for v in current if v.type != "size"]
            tc.session.pending["queue"] = [request]
            return self._drain_queue(tc, lang, [])
        result = call_tool(tc, "update_order_line", {"line_id": line_id, **change})
        if not result["ok"]:
            return self._refusal_text(tc, result, lang)
        return (
            ph.say(lang, "updated", item=self._line_text(result["line"], lang))
            + " "
            + self._after_change(tc, lang)
        )

    def _drain_queue(self, tc: ToolContext, lang: str, added: list[str]) -> str:
        session = tc.session
        queue: list[dict[str, Any]] = session.pending.get("queue", [])
        problems: list[str] = []
        while queue:
            request = queue[0]
            item = tc.ctx.item(request["item_id"])
            assert item is not None
            if request["quantity"] > ABSURD_QUANTITY and not request.get("checked"):
                # "cinquante pizzas" is more often a slip than a party: asked back, kept pending
                prefix = ph.say(lang, "added", items=ph.join(added, lang)) + " " if added else ""
                session.pending["queue"] = queue
                return prefix + self._ask(
                    tc,
                    Expect.QUANTITY_CHECK,
                    ph.say(lang, "check_quantity", quantity=request["quantity"], item=item.name),
                )
            args = {
                "quantity": request["quantity"],
                **({"size": request["size"]} if request["size"] else {}),
                **({"extras": request["extras"]} if request["extras"] else {}),
                **({"notes": request["notes"]} if request.get("notes") else {}),
            }
            if request.get("replace_line") and any(
                li.line_id == request["replace_line"] for li in session.cart
            ):
                result = call_tool(tc, "update_order_line", {"line_id": request["replace_line"], **args})
            else:
                result = call_tool(tc, "add_to_order", {"item": str(item.id), **args})
            if result["ok"]:
                queue.pop(0)
                line = result["line"]
                added.append(self._line_text(line, lang))
                problems.extend(
                    ph.say(lang, "unknown_option_noted", option=o, item=item.name)
                    for o in request.get("unknown_options", [])
                )
                continue
            if result["error"] == "bad_quantity":
                session.pending["queue"] = queue
                return self._ask(
                    tc, Expect.QUANTITY_CHECK, ph.say(lang, "too_many", max=MAX_QUANTITY, item=item.name)
                )
            if result["error"] == "missing_variation":
                options = [ph.size_name(o["value"], lang).lower() for o in result["options"]]
                prefix = ph.say(lang, "added", items=ph.join(added, lang)) + " " if added else ""
                session.pending["queue"] = queue
                return prefix + self._ask(
                    tc,
                    Expect.SIZE,
                    ph.say(lang, "which_size", item=item.name, options=ph.join(options, lang, "or")),
                )
            queue.pop(0)
            problems.append(self._refusal_text(tc, result, lang))
            if result["error"] == "closed":
                queue.clear()
        session.pending.pop("queue", None)
        parts = []
        if added:
            parts.append(ph.say(lang, "added", items=ph.join(added, lang)))
        parts.extend(problems)
        if not session.cart:
            Pending(session.pending).expect = None
            return " ".join(parts)
        question = self._upsell_or_more(tc, lang)
        parts.append(self._ask(tc, Pending(session.pending).expect or Expect.MORE, question))
        return " ".join(parts)

    def _line_text(self, line: dict[str, Any], lang: str) -> str:
        return ph.line_words(line, lang)

    def _upsell_or_more(self, tc: ToolContext, lang: str) -> str:
        """Once per call, when the plan and the owner allow it: offer what the order lacks (a drink,
        a dessert), named generically so it reads well whatever the menu's language."""
        session = tc.session
        if tc.ctx.upsell_enabled and not session.upsell_done:
            in_cart = {
                tc.ctx.item(li.product_id).category for li in session.cart if tc.ctx.item(li.product_id)
            }
            missing = [c for c in tc.ctx.categories if c not in in_cart and _upsell_kind(c)]
            if missing:
                session.upsell_done = True
                session.pending["upsell_categories"] = missing
                kinds = list(dict.fromkeys(_upsell_kind(c) for c in missing))
                words = [ph.say(lang, f"upsell_{kind}") for kind in kinds]
                Pending(session.pending).expect = Expect.UPSELL
                return ph.say(lang, "upsell", what=ph.join(words, lang, "or"))
        Pending(session.pending).expect = Expect.MORE
        return ph.say(lang, "anything_else")

    def _refusal_text(self, tc: ToolContext, result: dict[str, Any], lang: str) -> str:
        code = result.get("error")
        if code == "out_of_stock" or code == "unavailable":
            text = ph.say(lang, "out_of_stock", item=result.get("item", ""))
            if result.get("alternatives"):
                text += " " + ph.say(lang, "instead", items=ph.join(result["alternatives"], lang))
            return text
        if code == "unknown_item":
            return ph.say(lang, "unknown_item", item=result.get("message", ""))
        if code == "closed":
            when = self._when_text(tc, result.get("next_opening"), lang)
            return ph.say(lang, "closed_now", when=when) if when else ph.say(lang, "closed_long")
        if code == "not_orderable":
            return ph.say(lang, "no_orders")
        return result.get("message", "")

    def _answer_size(self, tc: ToolContext, h: Heard) -> str | None:
        queue = tc.session.pending.get("queue") or []
        if not queue:
            return None
        item = tc.ctx.item(queue[0]["item_id"])
        assert item is not None
        others = [m for m in h.mentions if m.item_id != item.id]
        if others:
            # "grande, et un coca": the size is what comes before the other item; "plus two 250 g
            # meringues": a count before the size means it belongs to that item, not this one
            lead = h.words[: others[0].start]
            lead = lead[: next((i for i, w in enumerate(lead) if w in CONNECTORS), len(lead))]
            counted = any(not _measure(lead, n.end) for n in find_numbers(" ".join(lead)))
            size = None if counted else find_size(item, lead)
            if size is None:
                return None  # the new request adds them and asks this question again
            queue[0]["size"] = size.value
            return self._order(tc, h)
        size = find_size(item, h.words)
        if size is None and (h.no or h.has("done")):
            # they dropped it: say which items are left out (never a silent drop), then carry on
            # with what is already in the order
            names = [i.name for r in queue if (i := tc.ctx.item(r["item_id"])) is not None]
            left_out = ph.say(h.lang, "left_out", items=ph.join(names, h.lang))
            tc.session.pending.pop("queue", None)
            if tc.session.cart:
                return f"{left_out} {self._checkout(tc, h)}"
            Pending(tc.session.pending).expect = None
            return f"{left_out} {ph.say(h.lang, 'how_help')}"
        if size is None:
            return None  # something else: the new request (or a reprompt) takes it
        queue[0]["size"] = size.value
        said = _line_notes(item, h.words, [], h)["notes"]  # "grande, bien cuite"
        queue[0]["notes"] = ", ".join(n for n in (queue[0].get("notes"), said) if n)
        return self._drain_queue(tc, h.lang, [])

    def _answer_quantity_check(self, tc: ToolContext, h: Heard) -> str | None:
        queue = tc.session.pending.get("queue") or []
        if not queue:
            return None
        request = queue[0]
        item = tc.ctx.item(request["item_id"])
        count = self._wanted_count(h)
        if count is not None and (not h.mentions or all(m.item_id == request["item_id"] for m in h.mentions)):
            request["quantity"] = count
            request["checked"] = True  # said twice, or a new figure: taken as said
            return self._drain_queue(tc, h.lang, [])
        if h.yes:
            request["checked"] = True
            return self._drain_queue(tc, h.lang, [])
        if h.no and not h.mentions:
            return self._ask(
                tc, Expect.QUANTITY_CHECK, ph.say(h.lang, "how_many", item=item.name if item else "")
            )
        return None

    def _answer_more(self, tc: ToolContext, h: Heard) -> str | None:
        if h.mentions or h.has("cancel_item") or h.has("modify_order"):
            return self._order(tc, h)
        if h.has("done") or h.no or h.has("goodbye"):
            return self._checkout(tc, h)
        if h.yes and not h.mentions:
            Pending(tc.session.pending).expect = Expect.MORE
            return ph.say(h.lang, "how_help")
        return None

    def _answer_upsell(self, tc: ToolContext, h: Heard) -> str | None:
        if h.mentions or h.has("modify_order") or h.has("cancel_item"):
            # "ah non, plutôt trois": a correction, not a refusal of the dessert
            return self._order(tc, h)
        if h.has("question_menu") or h.has("question_price"):
            answer = self._question(tc, h)
            if answer is not None:
                return self._ask(tc, Expect.MORE, answer)
        if h.no or h.has("done"):
            return self._checkout(tc, h)
        if h.yes:
            categories = tc.session.pending.get("upsell_categories", [])
            names = [i.name for i in tc.ctx.items if i.category in categories and i.available][:6]
            return self._ask(tc, Expect.MORE, ph.say(h.lang, "upsell_list", items=ph.join(names, h.lang)))
        return None

    def _note_delivery(self, tc: ToolContext, h: Heard) -> None:
        words = set(h.words)
        if words & DELIVERY_WORDS and not h.has("question_delivery"):
            tc.session.delivery_type = "delivery"
        elif words & TAKEAWAY_WORDS or any(p in h.norm for p in TAKEAWAY_PHRASES):
            tc.session.delivery_type = "takeaway"
        elif any(p in h.norm for p in DINE_IN_PHRASES):
            tc.session.delivery_type = "dine_in"

    def _checkout(self, tc: ToolContext, h: Heard) -> str:
        session = tc.session
        lang = h.lang
        if not session.cart:
            Pending(session.pending).expect = None
            return self._goodbye(tc, h) if h.has("goodbye") else ph.say(lang, "empty_cart")
        self._note_delivery(tc, h)
        if tc.ctx.delivery_enabled and not session.delivery_type:
            return self._ask(tc, Expect.DELIVERY_TYPE, ph.say(lang, "delivery_q"))
        if session.delivery_type == "delivery" and not tc.ctx.delivery_enabled:
            session.delivery_type = "takeaway"
            return (
                ph.say(lang, "no_delivery")
                + " "
                + self._ask(tc, Expect.CONFIRM_ORDER, self._readback(tc, lang))
            )
        if session.delivery_type == "delivery" and not session.delivery_address:
            return self._ask(tc, Expect.ADDRESS, ph.say(lang, "address_q"))
        return self._ask(tc, Expect.CONFIRM_ORDER, self._readback(tc, lang))

    def _readback(self, tc: ToolContext, lang: str) -> str:
        summary = call_tool(tc, "order_summary", {})
        lines = [self._line_text(li, lang) for li in summary["cart"]["lines"]]
        session = tc.session
        mode = ""
        if session.delivery_type == "delivery":
            mode = ph.say(lang, "mode_delivery", address=session.delivery_address)
        elif session.delivery_type in ("takeaway", "dine_in") and tc.ctx.delivery_enabled:
            mode = ph.say(lang, f"mode_{session.delivery_type}")
        Pending(session.pending).expect = Expect.CONFIRM_ORDER
        return ph.say(
            lang,
            "readback",
            items=ph.join(lines, lang),
            mode=mode,
            total=ph.money(summary["cart"]["total"], lang),
        )

    def _answer_delivery_type(self, tc: ToolContext, h: Heard) -> str | None:
        before = tc.session.delivery_type
        self._note_delivery(tc, h)
        if tc.session.delivery_type and tc.session.delivery_type != before or tc.session.delivery_type:
            if tc.session.delivery_type == "delivery":
                address = self._address_in(h)
                if address:
                    tc.session.delivery_address = address
            return self._checkout(tc, h)
        if h.mentions:
            return self._order(tc, h)
        return None

    @staticmethod
    def _address_in(h: Heard) -> str:
        # "en livraison au 3 rue des Lilas": what follows "au"/"to" with a street number
        text = h.text
        for marker in (" au ", " à ", " to ", " at "):
            idx = text.lower().rfind(marker)
            if idx >= 0:
                rest = text[idx + len(marker) :].strip(" .,")
                if any(ch.isdigit() for ch in rest) and len(rest.split()) >= 3:
                    return rest
        return ""

    def _answer_address(self, tc: ToolContext, h: Heard) -> str | None:
        text = h.text.strip(" .")
        for lead in ("c'est au ", "c'est ", "au ", "it's ", "to ", "at "):
            if text.lower().startswith(lead):
                text = text[len(lead) :]
        if len(text.split()) < 2:
            return None
        tc.session.delivery_address = text
        return self._checkout(tc, h)

    def _answer_confirm_order(self, tc: ToolContext, h: Heard) -> str | None:
        lang = h.lang
        name = parse_name(h.text)
        if h.yes and not h.mentions and not h.has("modify_order") and not h.has("cancel_item"):
            result = call_tool(
                tc,
                "confirm_order",
                {
                    "delivery_type": tc.session.delivery_type or "takeaway",
                    **({"customer_name": name} if name else {}),
                },
            )
            tc.session.pending.clear()
            if not result["ok"]:
                return result.get("message", "")
            return ph.say(
                lang, "order_done", number=result["order_number"], total=ph.money(result["total"], lang)
            )
        if h.mentions or h.has("modify_order") or h.has("cancel_item"):
            reply = self._order(tc, h)
            if reply is not None:
                return reply
        corrected = self._correct(tc, h)  # "no, make it two", "no, with sauce curry"
        if corrected is not None:
            return corrected
        if h.no:
            return self._ask(tc, Expect.MORE, ph.say(lang, "what_change"))
        return None

    def _swap(self, tc: ToolContext, h: Heard) -> str | None:
        """ "swap the coke for a lemonade", "une regina à la place de la margherita": the one
        after "instead of" (or else the one already ordered) goes, the other comes."""
        session = tc.session
        marker = INSTEAD_OF.search(h.norm)
        mentions = list(h.mentions)
        if marker is not None:
            position = len(h.norm[: marker.end()].split())
            old = next((m for m in mentions if m.start >= position), None)
        else:
            old = next((m for m in mentions if any(li.product_id == m.item_id for li in session.cart)), None)
        new = next((m for m in mentions if old is not None and m.item_id != old.item_id), None)
        if old is None or new is None:
            return None
        line = next((li for li in session.cart if li.product_id == old.item_id), None)
        if line is None:
            return None
        wanted = self._requests(tc, Heard(**{**h.__dict__, "mentions": [new]}))
        request = wanted[0] if wanted else {"item_id": new.item_id, "size": None, "extras": []}
        # One step through the shared tool: same quantity, and the size said for the old one stays.
        result = call_tool(
            tc,
            "replace_order_line",
            {
                "line_id": line.line_id,
                "new_item": str(new.item_id),
                **({"size": request["size"]} if request.get("size") else {}),
                **({"extras": request["extras"]} if request.get("extras") else {}),
            },
        )
        if result["ok"]:
            replaced = ph.say(h.lang, "removed", item=result["replaced"])
            added = ph.say(h.lang, "added", items=self._line_text(result["line"], h.lang))
            return f"{replaced} {added} {self._after_change(tc, h.lang)}"
        quantity = line.quantity
        call_tool(tc, "remove_from_order", {"line_id": line.line_id})  # the new one needs a question
        request["quantity"] = quantity
        session.pending["queue"] = [request]
        return ph.say(h.lang, "removed", item=line.name) + " " + self._drain_queue(tc, h.lang, [])

    def _remove(self, tc: ToolContext, h: Heard) -> str:
        lang = h.lang
        if h.mentions:
            item = tc.ctx.item(h.mentions[0].item_id)
            result = call_tool(tc, "remove_from_order", {"item": str(item.id) if item else ""})
            text = (
                ph.say(lang, "removed", item=result["removed"])
                if result["ok"]
                else ph.say(lang, "not_in_order", item=item.name if item else "")
            )
        else:
            last = tc.session.cart[-1]
            call_tool(tc, "remove_from_order", {"line_id": last.line_id})
            text = ph.say(lang, "removed", item=last.name)
        return text + " " + self._after_change(tc, lang)

    def _modify(self, tc: ToolContext, h: Heard) -> str | None:
        lang = h.lang
        requests = self._requests(tc, h)
        session = tc.session
        if requests:
            req = requests[0]
            if not any(li.product_id == req["item_id"] for li in session.cart):
                return None
            args: dict[str, Any] = {"item": str(req["item_id"])}
        else:
            args = {"line_id": session.cart[-1].line_id}
            req = {"quantity": None, "size": None, "extras": []}
            item = tc.ctx.item(session.cart[-1].product_id)
            if item is not None:
                size = find_size(item, h.words)
                req["size"] = size.value if size else None
        numbers = find_numbers(h.norm)
        if req.get("size"):
            args["size"] = req["size"]
        if req.get("extras"):
            args["extras"] = req["extras"]
        if numbers and (not requests or numbers[0].start < h.mentions[0].start):
            args["quantity"] = numbers[0].value
        if len(args) == 1 or (
            len(args) == 2 and "quantity" in args and args["quantity"] == 1 and not requests
        ):
            return None
        result = call_tool(tc, "update_order_line", args)
        if not result["ok"]:
            return self._refusal_text(tc, result, lang)
        return (
            ph.say(lang, "updated", item=self._line_text(result["line"], lang))
            + " "
            + self._after_change(tc, lang)
        )

    def _after_change(self, tc: ToolContext, lang: str) -> str:
        if Pending(tc.session.pending).expect is Expect.CONFIRM_ORDER:
            return self._readback(tc, lang)
        return self._ask(tc, Expect.MORE, ph.say(lang, "anything_else"))

    def _usual(self, tc: ToolContext, h: Heard) -> str:
        result = call_tool(tc, "usual_order", {"add": True})
        lang = h.lang
        if not result["ok"]:
            return ph.say(lang, "no_usual") + " " + ph.say(lang, "how_help")
        self._note_delivery(tc, h)  # "oui c'est ça, à emporter": the read-back says it
        items = [ph.line_words(u, lang) for u in result["usual"]]
        return (
            ph.say(lang, "usual_added", items=ph.join(items, lang))
            + " "
            + self._ask(tc, Expect.MORE, ph.say(lang, "anything_else"))
        )

    # --- bookings -----------------------------------------------------------------------
    def _service_in(self, tc: ToolContext, h: Heard):  # -> ServiceCtx | None
        if not tc.ctx.services:
            return None
        words = [SERVICE_LEXICON.get(w, w) for w in h.words]
        text = " ".join(words)
        best, best_score = None, 0.0
        for service in tc.ctx.services:
            name = normalize(service.name).replace("s ", " ")
            name_words = [w for w in name.split() if len(w) > 2]
            if not name_words:
                continue
            hits = sum(
                1 for w in name_words if any(fuzz.ratio(w, t) >= 80 for t in text.replace("s ", " ").split())
            )
            score = hits / len(name_words)
            if score > best_score:
                best, best_score = service, score
        return best if best_score >= 0.5 else None

    def _resource_in(self, tc: ToolContext, h: Heard, kinds: tuple[str, ...]) -> str | None:
        for resource in tc.ctx.resources:
            if resource.type in kinds:
                name = normalize(resource.name).split()
                if name and any(fuzz.ratio(name[-1], w) >= 88 for w in h.words):
                    return resource.name
        return None

    def _booking_start(self, tc: ToolContext, h: Heard, kind: str) -> str:
        tc.session.pending["booking"] = {"kind": kind}
        if kind == "service" and tc.session.pending.get("topic_service"):
            tc.session.pending["booking"]["service"] = tc.session.pending["topic_service"]
        tc.session.pending.pop("queue", None)
        return self._booking_fill(tc, h, first=True)

    def _booking_fill(self, tc: ToolContext, h: Heard, first: bool = False) -> str:
        """Take whatever the caller just gave, then ask for the next missing piece, check it,
        read it back."""
        self._booking_extract(tc, h, first=first)
        return self._booking_next(tc, h.lang)

    def _booking_extract(self, tc: ToolContext, h: Heard, first: bool = False) -> bool:
        """People, day, time, name, service, stylist, problem: whatever this line carries.
        Returns whether anything new was understood."""
        booking = tc.session.pending["booking"]
        before = dict(booking)
        kind = booking["kind"]
        party = parse_party_size(h.norm)  # with STT homophones fixed ("vin" → "vingt")
        if party and kind == "reservation":
            booking["party_size"] = party
        if h.when is not None:
            if h.when.date is not None:
                booking["date"] = h.when.date.isoformat()
                if h.when.time is None:
                    booking.pop("time", None)
                    booking["part_of_day"] = h.when.part_of_day
            if h.when.time is not None:
                at = combine(h.when, tc.now)
                if at is not None:
                    if h.when.date is not None or not booking.get("date"):
                        booking["date"] = at.date().isoformat()
                    booking["time"] = f"{h.when.time:%H:%M}"
                    booking.pop("offered", None)
            elif h.when.part_of_day and h.when.date is None:
                booking["part_of_day"] = h.when.part_of_day
        name = parse_name(h.text)
        if name:
            booking["name"] = name
            tc.session.customer_name = name
        if kind == "service":
            service = self._service_in(tc, h)
            if service is not None:
                booking["service"] = service.name
            who = self._resource_in(tc, h, ("staff", "room", "equipment"))
            if who:
                booking["resource"] = who
        if kind == "consultation":
            if first and _describes_a_need(h.words, _office(tc)):
                booking["problem"] = _without_greeting(h.text)
                booking["urgency"] = self._consult_urgency(h)
            service = self._service_in(tc, h)
            if service is not None:
                booking["expertise"] = service.name
        return booking != before

    def _booking_next(self, tc: ToolContext, lang: str) -> str:
        booking = tc.session.pending["booking"]
        kind = booking["kind"]
        if kind == "reservation" and not booking.get("party_size"):
            return self._ask(tc, Expect.BOOKING, ph.say(lang, "party_q"))
        if kind == "service" and not booking.get("service"):
            options = [s.name for s in tc.ctx.services]
            if len(options) == 1:
                booking["service"] = options[0]
            else:
                return self._ask(
                    tc, Expect.BOOKING, ph.say(lang, "svc_q", options=ph.join(options, lang, "or"))
                )
        if kind == "consultation":
            if not booking.get("problem"):
                return self._ask(tc, Expect.BOOKING_PROBLEM, ph.say(lang, "problem_q"))
            if booking.get("urgency") in ("high", "emergency") and not booking.get("urgent_offered"):
                booking["urgent_offered"] = True
                about = topics.known(booking["problem"], lang)
                offer = ph.say(lang, "urgent_offer", about=f" ({about})" if about else "")
                return self._ask(tc, Expect.URGENT_OFFER, offer)
            if not booking.get("date") and not booking.get("no_preference"):
                return self._ask(tc, Expect.BOOKING, ph.say(lang, "pref_q"))
            refused = self._day_refused(tc, lang) if booking.get("date") else None
            if refused is not None:
                return refused
            if booking.get("date") and not booking.get("time") and not booking.get("no_preference"):
                booking["time"] = {"morning": "10:00", "afternoon": "15:00"}.get(
                    booking.get("part_of_day") or "", ""
                )
                if not booking["time"]:
                    return self._ask(tc, Expect.BOOKING, ph.say(lang, "time_q"))
            if booking.get("date") and booking.get("time") and self._gone(tc, booking):
                booking.pop("time", None)  # "ce matin" said in the afternoon: never read back a past time
                return self._ask(tc, Expect.BOOKING, ph.say(lang, "past") + " " + ph.say(lang, "time_q"))
        else:
            if not booking.get("date") and not booking.get("time"):
                return self._ask(tc, Expect.BOOKING, ph.say(lang, "when_q"))
            if not booking.get("date"):
                booking["date"] = tc.now.date().isoformat()
            refused = None if booking.get("time") else self._day_refused(tc, lang)
            if refused is not None:
                return refused
            if not booking.get("time"):
                return self._offer_day(tc, lang)
            check = call_tool(tc, "check_availability", self._check_args(booking))
            if not check["ok"]:
                return self._booking_refused(tc, check, lang)
            booking["resource_free"] = check["slot"].get("resource")
        if kind == "service":
            missing = self._missing_field(tc, booking)
            if missing is not None:
                return self._ask(
                    tc, Expect.BOOKING_FIELD, missing, yes_no=self._field_kind(tc, booking) in YES_NO_FIELDS
                )
        if not booking.get("name") and not tc.session.customer_name:
            return self._ask(tc, Expect.BOOKING_NAME, ph.say(lang, "name_q"))
        booking.setdefault("name", tc.session.customer_name)
        return self._ask(tc, Expect.BOOKING_CONFIRM, self._booking_readback(tc, lang))

    def _day_refused(self, tc: ToolContext, lang: str) -> str | None:
        """The day asked for, said back when nothing can be booked on it: gone by, closed (weekly
        or that date, with the next opening and its date), or a public holiday the owner has not
        decided about (we will check). None when the store opens that day."""
        booking = tc.session.pending["booking"]
        info = call_tool(tc, "hours_on_date", {"date": booking["date"]})
        if not info.get("ok") or (info["status"] in ("open", "special") and not info["past"]):
            return None
        booking.pop("date", None)
        booking.pop("time", None)
        return self._ask(tc, Expect.BOOKING, self._day_text(tc, info, lang) + " " + ph.say(lang, "date_q"))

    def _gone(self, tc: ToolContext, booking: dict[str, Any]) -> bool:
        at = datetime.fromisoformat(f"{booking['date']}T{booking['time']}").replace(tzinfo=tc.tz)
        return at <= tc.now

    def _day_text(self, tc: ToolContext, info: dict[str, Any], lang: str) -> str:
        """One date's answer from hours_on_date, always with the date said in full."""
        if not info.get("ok"):
            return ph.say(lang, "reprompt")
        day = date.fromisoformat(info["date"])
        said = ph.day_name(day, lang)
        if info["past"]:
            return ph.say(lang, "past_day", day=said)
        if info["status"] == "unknown":
            return ph.say(lang, "holiday_unknown", day=said, holiday=info["holiday"])
        spans = (span.split("–") for span in info["hours"])
        hours = ph.join([f"{ph.clock(a, lang)}–{ph.clock(b, lang)}" for a, b in spans], lang)
        why_text = info.get("reason") or info.get("holiday") or ""
        why = f" ({why_text})" if why_text else ""
        if info["status"] == "open":
            return ph.say(lang, "open_on", day=said, hours=hours)
        if info["status"] == "special":
            return ph.say(lang, "special_on", day=said, why=why, hours=hours)
        if why_text:
            text = ph.say(lang, "closed_on", day=said, why=why)
        else:
            text = ph.say(lang, "closed_weekly", weekday=ph.DAYS[lang][day.weekday()])
        if info.get("next_opening"):
            opens = datetime.fromisoformat(info["next_opening"]).astimezone(tc.tz)
            text += " " + ph.say(lang, "reopens", when=ph.when(opens, lang))
        return text

    def _check_args(self, booking: dict[str, Any], *, with_time: bool = True) -> dict[str, Any]:
        args: dict[str, Any] = {"kind": booking["kind"], "date": booking["date"]}
        if with_time:
            args["time"] = booking["time"]
        if booking["kind"] == "reservation":
            args["party_size"] = booking["party_size"]
        if booking["kind"] == "service":
            args["service"] = booking["service"]
            if booking.get("resource"):
                args["resource"] = booking["resource"]
        return args

    def _offer_day(self, tc: ToolContext, lang: str) -> str:
        booking = tc.session.pending["booking"]
        args = self._check_args(booking, with_time=False)
        ranges = {"morning": ("00:00", "12:00"), "noon": ("11:00", "15:00"), "afternoon": ("12:00", "18:00"),
                  "evening": ("17:00", "23:59"), "night": ("19:00", "23:59")}  # fmt: skip
        part = booking.get("part_of_day")
        result = call_tool(tc, "check_availability", args)
        if part in ranges:
            narrowed = call_tool(
                tc, "check_availability", {**args, "from_time": ranges[part][0], "to_time": ranges[part][1]}
            )
            if narrowed["ok"] and narrowed["slots"]:
                result = narrowed
        day = ph.day_name(date.fromisoformat(booking["date"]), lang, tc.now.date())
        slots = result.get("slots", []) if result["ok"] else []
        if not slots:
            booking.pop("date", None)
            return self._ask(
                tc, Expect.BOOKING, ph.say(lang, "no_slot_day", day=day) + " " + ph.say(lang, "date_q")
            )
        picks = self._spread(slots, 3)
        booking["offered"] = [{"date": s["date"], "time": s["time"]} for s in picks]
        times = ph.join([ph.clock(s["time"], lang) for s in picks], lang)
        return self._ask(
            tc, Expect.BOOKING, ph.say(lang, "slots_on", day=day, times=times) + " " + ph.say(lang, "time_q")
        )

    @staticmethod
    def _spread(slots: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
        if len(slots) <= n:
            return slots
        step = (len(slots) - 1) / (n - 1)
        return [slots[round(i * step)] for i in range(n)]

    def _booking_refused(self, tc: ToolContext, result: dict[str, Any], lang: str) -> str:
        booking = tc.session.pending["booking"]
        code = result["error"]
        if code != "party_too_large":  # a smaller party keeps the day and time they asked for
            booking.pop("time", None)
        alternatives = result.get("alternatives") or []
        booking["offered"] = alternatives[:3]
        if code == "closed_hours":
            last = ""
            if result.get("last_slot") and result.get("closes_at"):
                last = ph.say(
                    lang,
                    "last_slot",
                    closes=ph.clock(
                        str(result["closes_at"])[-5:]
                        if "T" not in str(result["closes_at"])
                        else datetime.fromisoformat(result["closes_at"]).astimezone(tc.tz),
                        lang,
                    ),
                    last=ph.clock(
                        str(result["last_slot"])[-5:]
                        if "T" not in str(result["last_slot"])
                        else datetime.fromisoformat(result["last_slot"]).astimezone(tc.tz),
                        lang,
                    ),
                )
            text = ph.say(lang, "closed_hours", last=last)
        elif code == "party_too_large":
            booking.pop("party_size", None)
            tc.session.pending["human_offered"] = True
            too_large = ph.say(lang, "party_too_large", max=result.get("max_party", tc.ctx.max_party))
            return self._ask(tc, Expect.BOOKING, too_large, yes_no=True)
        elif code in ("closed_day", "holiday_unknown") and result.get("date"):
            text = self._day_text(tc, call_tool(tc, "hours_on_date", {"date": result["date"]}), lang)
            booking.pop("date", None) if not alternatives else None
        elif code in ("past", "closed_day", "full", "too_soon", "too_far", "not_bookable"):
            text = ph.say(lang, code)
            if code in ("past", "closed_day"):
                booking.pop("date", None) if not alternatives else None
        else:
            text = result.get("message", "")
        if alternatives:  # "… Cela vous convient ?": yes takes the first
            alternatives_text = self._alternatives_text(tc, alternatives, lang)
            return self._ask(tc, Expect.BOOKING, text + " " + alternatives_text, yes_no=True)
        return self._ask(tc, Expect.BOOKING, text + " " + ph.say(lang, "when_q"))

    def _alternatives_text(self, tc: ToolContext, alternatives: list[dict[str, Any]], lang: str) -> str:
        slots = [
            ph.when(
                datetime.fromisoformat(f"{a['date']}T{a['time']}").replace(tzinfo=tc.tz), lang, tc.now.date()
            )
            for a in alternatives[:3]
        ]
        return ph.say(lang, "alternatives", slots=ph.join(slots, lang))

    def _missing_field(self, tc: ToolContext, booking: dict[str, Any]) -> str | None:
        service = next((s for s in tc.ctx.services if s.name == booking.get("service")), None)
        if service is None:
            return None
        values = booking.setdefault("fields", {})
        for field in service.custom_fields:
            name = field.get("name")
            if field.get("required") and name not in values:
                booking["asking_field"] = name
                choices = (field.get("config") or {}).get("choices") or []
                lang = tc.session.lang
                extra = f" ({ph.join([str(c) for c in choices], lang)})" if choices else ""
                return ph.say(
                    lang, "field_q", service=service.name, field=str(name).replace("_", " "), choices=extra
                )
        return None

    def _field_kind(self, tc: ToolContext, booking: dict[str, Any]) -> str:
        service = next((s for s in tc.ctx.services if s.name == booking.get("service")), None)
        fields = service.custom_fields if service else ()
        return str(next((f.get("type") for f in fields if f.get("name") == booking.get("asking_field")), ""))

    def _answer_booking_field(self, tc: ToolContext, h: Heard) -> str | None:
        booking = tc.session.pending.get("booking") or {}
        name = booking.pop("asking_field", None)
        if not name:
            return None
        service = next((s for s in tc.ctx.services if s.name == booking.get("service")), None)
        field = next((f for f in (service.custom_fields if service else ()) if f.get("name") == name), {})
        choices = (field.get("config") or {}).get("choices") or []
        value: str = h.text.strip()
        if choices:
            scored = [(c, fuzz.partial_ratio(normalize(str(c)), h.norm)) for c in choices]
            best = max(scored, key=lambda cs: cs[1])
            if best[1] < 80:
                booking["asking_field"] = name
                return None
            value = str(best[0])
        booking.setdefault("fields", {})[name] = value
        return self._booking_next(tc, h.lang)

    def _answer_booking(self, tc: ToolContext, h: Heard) -> str | None:
        booking = tc.session.pending.get("booking")
        if booking is None:
            return None
        lang = h.lang
        if tc.session.pending.pop("human_offered", False) and h.yes and not parse_party_size(h.text):
            return self._transfer(tc, "group booking")
        offered = booking.get("offered") or []
        if offered and h.when is None:
            pick = None
            if h.yes:
                pick = offered[0]
            for word in h.words:
                if word in ORDINALS and -len(offered) <= ORDINALS[word] < len(offered):
                    pick = offered[ORDINALS[word]]
            if pick is not None:
                booking["date"], booking["time"] = pick["date"], pick["time"]
                booking.pop("offered", None)
                return self._booking_next(tc, lang)
        no_preference = h.no or any(p in h.norm for p in NO_PREFERENCE)
        if booking["kind"] == "consultation" and no_preference and h.when is None:
            booking["no_preference"] = True
            return self._booking_next(tc, lang)
        if self._booking_extract(tc, h):
            return self._booking_next(tc, lang)
        if booking["kind"] == "reservation" and not booking.get("party_size") and not h.mentions:
            numbers = find_numbers(h.norm)
            if numbers and 0 < numbers[0].value <= 50:
                booking["party_size"] = numbers[0].value
                return self._booking_next(tc, lang)
        if h.no:
            tc.session.pending.clear()
            return ph.say(lang, "keep")
        return None  # not about the booking: the caller's new request (or a reprompt) takes it

    def _answer_booking_problem(self, tc: ToolContext, h: Heard) -> str | None:
        booking = tc.session.pending.get("booking")
        if booking is None or len(h.words) < 2:
            return None
        booking["problem"] = _without_greeting(h.text)
        booking["urgency"] = self._consult_urgency(h)
        return self._booking_fill(tc, h)

    @staticmethod
    def _consult_urgency(h: Heard) -> str:
        """ "urgent", or someone to reach today, makes the matter urgent (health stays emergency)."""
        said = complaints.urgency(h.text)
        return "high" if said in ("low", "normal") and tone.pressing(h.norm) else said

    def _answer_urgent_offer(self, tc: ToolContext, h: Heard) -> str | None:
        if h.yes:
            return self._urgent_transfer(tc, h.lang)
        if h.no:
            return self._booking_next(tc, h.lang)
        return self._answer_booking(tc, h)  # "lundi à 10h": no person now, that time instead

    def _urgent_transfer(self, tc: ToolContext, lang: str) -> str:
        """Record the urgent request (name if we have it), then hand over."""
        booking = tc.session.pending["booking"]
        name = booking.get("name") or tc.session.customer_name
        args = {"problem": booking["problem"], "urgency": booking.get("urgency") or "high"}
        call_tool(tc, "request_consultation", {**args, **({"customer_name": name} if name else {})})
        about = topics.known(booking["problem"], lang)
        text = ph.say(lang, "urgent_transfer", about=f" ({about})" if about else "")
        self._transfer(tc, "urgent consultation")
        return text

    def _answer_booking_name(self, tc: ToolContext, h: Heard) -> str | None:
        booking = tc.session.pending.get("booking")
        if booking is None:
            return None
        name = parse_name(h.text)
        if not name:
            words = [w for w in h.text.strip(" .!").split() if w]
            if 1 <= len(words) <= 3 and not h.has("no") and not h.has("human"):
                name = " ".join(w.capitalize() if w.islower() else w for w in words)
        if not name:
            return None
        booking["name"] = name
        tc.session.customer_name = name
        return self._booking_next(tc, h.lang)

    def _booking_when(self, tc: ToolContext, booking: dict[str, Any], lang: str) -> str:
        at = datetime.fromisoformat(f"{booking['date']}T{booking['time']}").replace(tzinfo=tc.tz)
        return ph.when(at, lang, tc.now.date())

    def _booking_readback(self, tc: ToolContext, lang: str) -> str:
        booking = tc.session.pending["booking"]
        kind = booking["kind"]
        if kind == "reservation":
            return ph.say(
                lang,
                "res_readback",
                party=booking["party_size"],
                when=self._booking_when(tc, booking, lang),
                name=booking["name"],
            )
        if kind == "service":
            who = booking.get("resource") or booking.get("resource_free")
            return ph.say(
                lang,
                "svc_readback",
                service=booking["service"],
                with_=ph.say(lang, "svc_with", who=who) if who else "",
                when=self._booking_when(tc, booking, lang),
                name=booking["name"],
            )
        pref = ""
        if booking.get("date") and booking.get("time"):
            pref = ph.say(lang, "consult_pref", when=self._booking_when(tc, booking, lang))
        urgent = booking.get("urgency") in ("high", "emergency")
        what = ph.say(lang, "consult_what_urgent" if urgent else "consult_what")
        problem = topics.summary(booking["problem"], lang)  # the matter in a few words, not the sentence
        return ph.say(lang, "consult_readback", what=what, problem=problem, pref=pref, name=booking["name"])

    def _answer_booking_confirm(self, tc: ToolContext, h: Heard) -> str | None:
        booking = tc.session.pending.get("booking")
        if booking is None:
            return None
        lang = h.lang
        if h.yes:
            kind = booking["kind"]
            if kind == "reservation":
                result = call_tool(
                    tc,
                    "book_reservation",
                    {
                        "date": booking["date"],
                        "time": booking["time"],
                        "party_size": booking["party_size"],
                        "customer_name": booking["name"],
                    },
                )
                done = ph.say(
                    lang, "res_done", party=booking["party_size"], when=self._booking_when(tc, booking, lang)
                )
            elif kind == "service":
                args = {
                    "service": booking["service"],
                    "date": booking["date"],
                    "time": booking["time"],
                    "customer_name": booking["name"],
                }
                if booking.get("resource"):
                    args["resource"] = booking["resource"]
                if booking.get("fields"):
                    args["custom_fields"] = booking["fields"]
                result = call_tool(tc, "book_service", args)
                who = result.get("with") if result["ok"] else None
                done = ph.say(
                    lang,
                    "svc_done",
                    service=booking["service"],
                    with_=ph.say(lang, "svc_with", who=who) if who else "",
                    when=self._booking_when(tc, booking, lang),
                )
            else:
                args = {
                    "problem": booking["problem"],
                    "urgency": booking.get("urgency", "normal"),
                    "customer_name": booking["name"],
                }
                if booking.get("expertise"):
                    args["expertise"] = booking["expertise"]
                if booking.get("date") and booking.get("time"):
                    args["preferred_date"], args["preferred_time"] = booking["date"], booking["time"]
                result = call_tool(tc, "request_consultation", args)
                sched = ""
                if result["ok"] and result.get("scheduled"):
                    at = datetime.fromisoformat(result["scheduled"]).astimezone(tc.tz)
                    sched = ph.say(lang, "consult_sched", when=ph.when(at, lang, tc.now.date()))
                done = ph.say(lang, "consult_done", sched=sched)
            if not result["ok"]:
                return self._booking_refused(tc, result, lang)
            tc.session.pending.clear()
            return done
        if h.no:
            return self._ask(tc, Expect.BOOKING, ph.say(lang, "what_change"))
        if self._booking_extract(tc, h):
            return self._booking_next(tc, lang)
        return None

    # --- the caller's existing bookings --------------------------------------------------
    def _my_bookings(self, tc: ToolContext, h: Heard) -> str:
        lang = h.lang
        result = call_tool(tc, "find_my_bookings", {})
        bookings = result.get("bookings", []) if result["ok"] else []
        if not bookings:
            return ph.say(lang, "bookings_none") + " " + ph.say(lang, "how_help")
        action = "cancel" if h.has("cancel_booking") else "move" if h.has("move_booking") else "show"
        tc.session.pending["manage"] = {"action": action, "refs": [b["booking_ref"] for b in bookings]}
        described = [self._describe_booking(tc, b, lang) for b in bookings]
        if len(bookings) == 1:
            tc.session.pending["manage"]["ref"] = bookings[0]["booking_ref"]
            head = ph.say(lang, "bookings_one", what=described[0])
            if action == "cancel":
                return self._ask(tc, Expect.MANAGE_CONFIRM, f"{head} {ph.say(lang, 'cancel_q')}")
            if action == "move":
                if h.when is not None and h.when.time is not None:
                    return self._move(tc, h)
                return self._ask(tc, Expect.MANAGE_WHEN, f"{head} {ph.say(lang, 'move_q')}")
            return f"{head} {ph.say(lang, 'how_help')}"
        return self._ask(
            tc,
            Expect.MANAGE_PICK,
            ph.say(lang, "bookings_many", count=len(bookings), what=ph.join(described, lang)),
        )

    def _describe_booking(self, tc: ToolContext, b: dict[str, Any], lang: str) -> str:
        when = ""
        if b.get("date") and b.get("time"):
            at = datetime.fromisoformat(f"{b['date']}T{b['time']}").replace(tzinfo=tc.tz)
            when = ph.when(at, lang, tc.now.date())
        if b["kind"] == "reservation":
            return (
                f"une table pour {b['party_size']} " if lang == "fr" else f"a table for {b['party_size']} "
            ) + when
        if b["kind"] == "service":
            return f"{b['service']} {when}".strip()
        return ("une demande de consultation " if lang == "fr" else "a consultation request ") + when

    def _answer_manage_pick(self, tc: ToolContext, h: Heard) -> str | None:
        manage = tc.session.pending.get("manage")
        if not manage:
            return None
        refs = manage["refs"]
        pick = None
        for word in h.words:
            if word in ORDINALS and -len(refs) <= ORDINALS[word] < len(refs):
                pick = refs[ORDINALS[word]]
        if pick is None and h.when is not None and h.when.date is not None:
            result = call_tool(tc, "find_my_bookings", {})
            for b in result.get("bookings", []):
                if b.get("date") == h.when.date.isoformat():
                    pick = b["booking_ref"]
        if pick is None:
            return None
        manage["ref"] = pick
        lang = h.lang
        if manage["action"] == "cancel":
            return self._ask(tc, Expect.MANAGE_CONFIRM, ph.say(lang, "cancel_q"))
        if manage["action"] == "move":
            return self._ask(tc, Expect.MANAGE_WHEN, ph.say(lang, "move_q"))
        return ph.say(lang, "how_help")

    def _answer_manage_confirm(self, tc: ToolContext, h: Heard) -> str | None:
        manage = tc.session.pending.get("manage")
        if not manage:
            return None
        if h.yes:
            result = call_tool(tc, "cancel_booking", {"booking_ref": manage["ref"]})
            tc.session.pending.clear()
            return ph.say(h.lang, "cancelled") if result["ok"] else result.get("message", "")
        if h.no:
            tc.session.pending.clear()
            return ph.say(h.lang, "keep")
        return None

    def _answer_manage_when(self, tc: ToolContext, h: Heard) -> str | None:
        if h.when is None:
            if h.no:
                tc.session.pending.clear()
                return ph.say(h.lang, "keep")
            return None
        return self._move(tc, h)

    def _move(self, tc: ToolContext, h: Heard) -> str:
        manage = tc.session.pending["manage"]
        lang = h.lang
        when = h.when
        assert when is not None
        at = combine(when, tc.now)
        if at is None or when.time is None:
            return self._ask(tc, Expect.MANAGE_WHEN, ph.say(lang, "time_q"))
        result = call_tool(
            tc,
            "move_booking",
            {"booking_ref": manage["ref"], "date": at.date().isoformat(), "time": f"{at:%H:%M}"},
        )
        if not result["ok"]:
            alternatives = result.get("alternatives") or []
            text = (
                ph.say(lang, result["error"]) if result["error"] in ph.P[lang] else result.get("message", "")
            )
            if alternatives:
                text += " " + self._alternatives_text(tc, alternatives, lang)
            return self._ask(tc, Expect.MANAGE_WHEN, text)
        tc.session.pending.clear()
        return ph.say(lang, "moved", when=ph.when(at, lang, tc.now.date()))

    # --- complaints ---------------------------------------------------------------------
    def _complaint(self, tc: ToolContext, h: Heard) -> str:
        # "I want to complain" carries no detail: ask what happened first.
        said = tone.without_anger(h.norm).split()  # "c'est n'importe quoi !" says nothing of what
        detail_words = [w for w in said if len(w) > 3 and w not in COMPLAINT_GENERIC]
        if len(detail_words) < 2 and not tc.session.pending.get("complaint_asked"):
            tc.session.pending["complaint_asked"] = True
            if tone.angry(h.norm):  # the anger is acknowledged before the question
                tc.session.pending["angry"] = True
                question = ph.say(h.lang, "angry") + " " + ph.say(h.lang, "angry_what")
                return self._ask(tc, Expect.COMPLAINT, question)
            return self._ask(tc, Expect.COMPLAINT, ph.say(h.lang, "complaint_q"))
        return self._record_complaint(tc, h)

    def _answer_complaint(self, tc: ToolContext, h: Heard) -> str | None:
        if len(h.words) < 2:
            return None
        return self._record_complaint(tc, h)

    def _record_complaint(self, tc: ToolContext, h: Heard) -> str:
        urgency = complaints.urgency(h.text)
        angry = tc.session.pending.get("angry") or tone.angry(h.norm)
        if angry and urgency in ("low", "normal"):
            urgency = "high"
        call_tool(
            tc,
            "report_issue",
            {
                "description": h.text.strip(),
                "category": complaints.complaint_category(h.text),
                "urgency": urgency,
            },
        )
        tc.session.pending.clear()
        if angry:
            # sorry and taken seriously first, then a person offered: an upset caller may want one
            said = ph.say(h.lang, "angry") + " " + ph.say(h.lang, "angry_done")
            return said + " " + self._ask(tc, Expect.HUMAN_OFFER, ph.say(h.lang, "angry_offer"))
        key = "complaint_urgent" if urgency in ("high", "emergency") else "complaint_done"
        return ph.say(h.lang, key) + " " + ph.say(h.lang, "how_help")

    # What the brain does with the line that answers each question it asks. A handler returning
    # None lets the line start something new instead; HUMAN_OFFER is settled in `_dispatch`
    # before this table, because its "yes" hands over and its "no" carries the real request.
    ANSWERS: ClassVar[dict[Expect, Callable[[LocalBrain, ToolContext, Heard], str | None]]] = {
        # orders
        Expect.MORE: _answer_more,
        Expect.SIZE: _answer_size,
        Expect.QUANTITY_CHECK: _answer_quantity_check,
        Expect.WHICH_LINE: _answer_which_line,
        Expect.UPSELL: _answer_upsell,
        Expect.DELIVERY_TYPE: _answer_delivery_type,
        Expect.ADDRESS: _answer_address,
        Expect.CONFIRM_ORDER: _answer_confirm_order,
        # bookings
        Expect.BOOKING: _answer_booking,
        Expect.BOOKING_FIELD: _answer_booking_field,
        Expect.BOOKING_PROBLEM: _answer_booking_problem,
        Expect.URGENT_OFFER: _answer_urgent_offer,
        Expect.BOOKING_NAME: _answer_booking_name,
        Expect.BOOKING_CONFIRM: _answer_booking_confirm,
        # managing bookings
        Expect.MANAGE_PICK: _answer_manage_pick,
        Expect.MANAGE_CONFIRM: _answer_manage_confirm,
        Expect.MANAGE_WHEN: _answer_manage_when,
        # complaints
        Expect.COMPLAINT: _answer_complaint,
    }


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
YES_NO_FIELDS = frozenset({"bool", "boolean", "yes_no", "yesno", "checkbox"})

GREETING = re.compile(r"^\s*(bonjour|bonsoir|allo|hello|hi|good (morning|afternoon|evening))\b[\s,.!]*", re.I)


ONE_OF_THEM = re.compile(
    r"\b(one of them|one of those|just one|only one|l une d entre elles|l une des deux|une des deux|"
    r"une seule|dont une)\b"
)
EXTRA_WORDS = {"mushrooms": "champignons", "mushroom": "champignons", "ham": "jambon", "egg": "oeuf",
               "cheese": "mozzarella", "champignon": "champignons"}  # fmt: skip


# A count said after the item ends the phrase, or is followed by one of these words.
COUNT_CLOSERS = frozenset(
    "of them those please s il vous plait svp stp merci thanks thank en tout alors then pieces portions "
    "exemplaires fois times total".split()
)
NOT_A_COUNT_BEFORE = frozenset("a at vers pour for dans in avant before apres after le the".split())
MEASURES = frozenset(
    "g gr kg grammes gramme grams cl ml l litre litres cm h heures heure minutes min pm am".split()
)
ABSURD_QUANTITY = (
    19  # above: more of one thing than a caller plausibly wants, asked back, never taken silently
)
SET_QUANTITY = re.compile(
    r"\b(mettez en|mets en|mettez m en|mettez moi en|donnez m en|donnez moi en|j en prends|j en veux|"
    r"je vais en prendre|j en voudrais|make (that|it|them)|i ll take|i ll have|i d like|give me|plutot|"
    r"finalement|actually|en fait|rather|instead)\b"
)
CORRECTION = re.compile(
    r"(^(non|no|nope)\b|\b(plutot|finalement|en fait|actually|rather|make (that|it|them)|je voulais|"
    r"i wanted|i meant|i said|j ai dit|c etait|it was|pas (un|une|deux|trois|quatre|cinq|six|\d+)|"
    r"not (one|two|three|four|five|six|\d+)|changez|change|mettez (la|le|les)|put (it|that))\b)"
)
NEGATION = frozenset({"pas", "not"})
PEOPLE_WORDS = frozenset("personnes personne couverts people persons guests".split())
NUMBER_LEADS = frozenset("deux trois quatre cinq six sept huit neuf un une".split())
ORDER_LEADS = frozenset("voudrais veux prends prendrai mettez mets donnez et aussi plus avec".split())


def _before_size(words: list[str], number: Any, in_size: set[int]) -> Any:
    """ "cinquante six parts": the count is what comes before the size ("six parts"), not 56."""
    cut = next((i for i in range(number.start, number.end) if i in in_size), None)
    if cut is None or cut == number.start:
        return number
    head = find_numbers(" ".join(words[number.start : cut]))
    return replace(number, end=cut, value=head[0].value) if head else number


def _measure(words: list[str], end: int) -> bool:
    return end < len(words) and words[end] in MEASURES


def _unknown_options(item: ItemCtx, tail: list[str], found: list[Any]) -> list[str]:
    """ "sauce samouraï", "sans olives" said after an item whose menu has no such option: named
    back to the caller rather than dropped."""
    words = removals_in_french(tail)
    known = {normalize(v.value) for v in found}
    out = []
    for i, w in enumerate(words[:-1]):
        if w in ("sauce", "sans") and words[i + 1] not in ORDER_WORDS and len(words[i + 1]) > 2:
            phrase = f"{w} {words[i + 1]}"
            if not any(fuzz.ratio(phrase, k) >= 85 for k in known) and not any(
                fuzz.ratio(phrase, normalize(v.value)) >= 85 for v in item.extras
            ):
                out.append(phrase)
    return out


def _line_notes(item: ItemCtx, tail: list[str], found: list[Any], h: Heard) -> dict[str, Any]:
    """What the menu has no option for, kept for the kitchen on the line (and so read back): a
    removal ("sans champignons"), an unknown sauce (also named back), a free note ("bien cuite")."""
    unknown = _unknown_options(item, tail, found)
    offered = [normalize(v.value) for v in [*found, *item.extras]]
    french = removals_in_french(tail)
    notes = [
        said
        for j, said in kn.removals(tail)
        if not any(fuzz.ratio(f"sans {french[j]}", value) >= 85 for value in offered)
    ]
    named = [o for o in unknown if not o.startswith("sans ")]
    for i, word in enumerate(tail[:-1]):  # "extra cheese" where the menu has only cheddar
        asked = tail[i + 1]
        if word in kn.EXTRA_LEADS and asked not in ORDER_WORDS and len(asked) > 2 and not find_numbers(asked):
            if find_size(item, [asked]) is not None or asked in ("large", "grande", "big"):
                continue  # "an extra large": a size
            spoken = (asked, EXTRA_WORDS.get(asked, asked))
            if not any(fuzz.partial_ratio(v, w) >= 85 for v in offered for w in spoken):
                named.append(f"{word} {asked}")
    named = [kn.spelled(o, h.text) for o in named]  # "supplément ananas", as the caller spelled it
    notes = [kn.spelled(n, h.text) for n in notes] + named + kn.free_notes(tail, h.lang)
    return {"unknown_options": named, "notes": ", ".join(dict.fromkeys(notes))}


def _extras_said(item: ItemCtx, words: list[str]) -> list[Any]:
    """Extras named in the menu's words or the caller's: "extra cheese" meets a "Cheese" extra as
    well as a "Mozzarella" one."""
    found = find_extras(item, _translate_extras(words))
    return found + [v for v in find_extras(item, words) if v not in found]


def _translate_extras(words: list[str]) -> list[str]:
    return [EXTRA_WORDS.get(w, w) for w in words]


ABANDON = re.compile(
    r"\b(laissez tomber|laisse tomber|je rappellerai|je vais rappeler|je rappelle plus tard|annulez tout|"
    r"oubliez (tout|ca|la commande)|never mind|nevermind|forget it|forget about it|i ll call back|"
    r"call back later|cancel everything|cancel the (whole )?order)\b"
)
SWAP = re.compile(
    r"\b(swap|replace|switch|exchange|remplacez|remplacer|remplace|echangez|echanger|changez|changer|"
    r"instead of|a la place d|au lieu d)"
)
SOFT_SWAP = re.compile(r"\b(instead|plutot|pas (le|la|les)|not the|rather)\b")
INSTEAD_OF = re.compile(r"\b(instead of|a la place de?s?|au lieu de?s?|a la place du|au lieu du)\b")
COMPLAINT_GENERIC = frozenset(
    "bonjour bonsoir hello voudrais voudrai aimerais souhaite faire deposer porter une reclamation plainte "
    "plaindre complaint complain make file would like want have please about sujet propos".split()
)


# Words of ordering and asking that are not the name of anything on a menu.
ORDER_WORDS = frozenset(
    "bonjour bonsoir hello voudrais voudrai voudrions aimerais souhaite souhaiterais prendre "
    "commander commande avez vous avoir faites faire est ce que quoi comme quel quelle quels quelles "
    "serait possible plait merci alors donc aussi encore autre chose please would like want have "
    "could order some there with avec sans does your what which thanks thank just also another maybe "
    "perhaps dommage then well okay sorry".split()
)


ANAPHORA = re.compile(
    r"\b(one of those|one of them|that one|those ones|i ll take (it|one|that)|i ll have (it|one|that)|"
    r"celle la|celle ci|celui la|la meme|le meme|une comme ca|un comme ca|je la prends|je le prends|"
    r"j en prends une?)\b"
)


# Words that ask for a meeting without saying what it is about.
GENERIC_REQUEST = frozenset(
    "bonjour bonsoir hello hi je voudrais voudrai aimerais souhaite souhaiterais veux prendre avoir une un "
    "des consultation consultations rendez vous rdv conseil conseiller avis expert besoin aide d de du "
    "pour s "
    "il plait please i like would want need to an a with some advice appointment meeting consult advisor "
    "adviser book make get help me moi svp merci thanks".split()
)


def _describes_a_need(words: list[str], names: frozenset[str] = frozenset()) -> bool:
    """Whether the line says what the meeting is about, beyond asking for one (and beyond the
    names of the people or the office, "rendez-vous avec Maître Durand")."""
    return len([w for w in words if w not in GENERIC_REQUEST and w not in names and len(w) > 2]) >= 2


def _office(tc: ToolContext) -> frozenset[str]:
    """The words that name the office and its people ("Maître Durand"): not what a meeting is about."""
    return (
        frozenset(w for r in tc.ctx.resources for w in normalize(r.name).split())
        | frozenset(normalize(tc.ctx.store_name).split())
        | frozenset({"maitre", "docteur", "monsieur", "madame"})
    )


def _upsell_kind(category: str) -> str:
    norm = normalize(category)
    return next((kind for kind, hints in UPSELL_HINTS.items() if any(h in norm for h in hints)), "")


def _without_greeting(text: str) -> str:
    rest = GREETING.sub("", text.strip()).strip()
    return rest[:1].upper() + rest[1:]
