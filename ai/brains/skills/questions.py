"""Questions: prices, opening hours, the address, delivery and the menu, answered without
taking anything as an order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ai.brains import phrases as ph
from ai.brains.skills.common import ORDER_WORDS, Dialogue, Heard
from ai.brains.state import Pending
from ai.matching import find_size, index_for
from ai.nlu.numbers import find_numbers
from ai.nlu.text import normalize
from ai.tools import ToolContext, call_tool


class Questions(Dialogue):
    def _question(self, tc: ToolContext, h: Heard) -> str | None:
        lang = h.lang
        ctx = tc.ctx
        if h.has("question_price") and h.mentions:
            priced = tc.ctx.item(h.mentions[0].item_id)
            size = find_size(priced, h.words) if priced else None
            Pending(tc.session.pending).topic_size = size.value if size else None  # "how much is a large X"
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
                state = Pending(tc.session.pending)
                state.topic_service, state.last_was_price = service.name, True
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
        if ctx.services and (h.has("question_price") or Pending(tc.session.pending).last_was_price):
            service = self._service_in(tc, h)
            booking_words = h.has("service_booking", 0.7) or h.has("reservation", 0.7) or h.when is not None
            if service is not None and (h.has("question_price") or not booking_words):
                # "And a blow-dry?" right after a price is the next price question
                state = Pending(tc.session.pending)
                state.topic_service, state.last_was_price = service.name, True
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
        state = Pending(tc.session.pending)
        state.topic_item, state.last_was_price = item.id, True  # "I'll take a large one" refers to it
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
