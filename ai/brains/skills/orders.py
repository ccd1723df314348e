"""Orders: items, sizes, extras and kitchen notes heard in a line, queued and added through
the tools; corrections, swaps and removals; the upsell, delivery or takeaway, the read-back."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz

from ai.brains import phrases as ph
from ai.brains.skills.common import (
    ANAPHORA,
    CORRECTION,
    MEASURES,
    ORDER_WORDS,
    ORDINALS,
    SET_QUANTITY,
    Dialogue,
    Heard,
)
from ai.brains.state import Expect, Pending
from ai.context import ItemCtx
from ai.matching import (
    EXTRA_MARKERS,
    Mention,
    find_extras,
    find_size,
    index_for,
    removals_in_french,
    size_words,
)
from ai.nlu import kitchen_notes as kn
from ai.nlu.numbers import find_numbers
from ai.nlu.people import parse_name
from ai.nlu.text import normalize
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

ABSURD_QUANTITY = (
    19  # above: more of one thing than a caller plausibly wants, asked back, never taken silently
)

NEGATION = frozenset({"pas", "not"})


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


SWAP = re.compile(
    r"\b(swap|replace|switch|exchange|remplacez|remplacer|remplace|echangez|echanger|changez|changer|"
    r"instead of|a la place d|au lieu d)"
)

SOFT_SWAP = re.compile(r"\b(instead|plutot|pas (le|la|les)|not the|rather)\b")

INSTEAD_OF = re.compile(r"\b(instead of|a la place de?s?|au lieu de?s?|a la place du|au lieu du)\b")


def _upsell_kind(category: str) -> str:
    norm = normalize(category)
    return next((kind for kind, hints in UPSELL_HINTS.items() if any(h in norm for h in hints)), "")


class Orders(Dialogue):
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
        topic = tc.ctx.item(Pending(session.pending).topic_item or 0)
        anaphora = ANAPHORA.search(h.norm) is not None
        counted = bool(find_numbers(h.norm)) and SET_QUANTITY.search(h.norm) is not None
        if (
            not requests
            and topic is not None
            and (h.has("order") or anaphora or counted or find_size(topic, h.words))
        ):
            numbers = [n for n in find_numbers(h.norm) if n.value <= 999]
            size = find_size(topic, h.words) or next(
                (v for v in topic.sizes if v.value == Pending(session.pending).topic_size), None
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
        state = Pending(session.pending)
        state.queue = requests + state.queue
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
            topic = Pending(session.pending).topic_item
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
                and Pending(session.pending).last_was_price
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
            Pending(session.pending).queue = new
            return (text + " " + self._drain_queue(tc, lang, [])).strip()
        return text + " " + self._after_change(tc, lang)

    def _which_line(self, tc: ToolContext, lang: str, change: dict[str, Any]) -> str:
        session = tc.session
        state = Pending(session.pending)
        was = state.expect
        state.line_change = {"change": change, "was": str(was) if was else None}
        lines = ph.join([ph.line_words(li, lang) for li in session.cart_view()["lines"]], lang, "or")
        if change.get("quantity") is None:
            question = ph.say(lang, "which_line_note", note=change["add_notes"], lines=lines)
        else:
            question = ph.say(lang, "which_line", quantity=change["quantity"], lines=lines)
        return self._ask(tc, Expect.WHICH_LINE, question)

    def _answer_which_line(self, tc: ToolContext, h: Heard) -> str | None:
        """ "The coke", "la première": the line the pending change was for."""
        state = Pending(tc.session.pending)
        asked, state.line_change = state.line_change, None
        cart = tc.session.cart
        state.expect = None
        if not asked or not cart:
            return None
        named = [li for li in cart if any(m.item_id == li.product_id for m in h.mentions)]
        rank = next((ORDINALS[w] for w in h.words if w in ORDINALS), None)
        if len(named) != 1 and not h.mentions and rank is not None and rank < len(cart):
            named = [cart[rank]]
        if len(named) != 1:
            return None
        if asked["was"]:
            state.expect = Expect(asked["was"])  # back at the read-back, it is read again after the change
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
            Pending(tc.session.pending).queue = [request]
            return self._drain_queue(tc, lang, [])
        return self._update_line(tc, lang, {"line_id": line_id, **change})

    def _drain_queue(self, tc: ToolContext, lang: str, added: list[str]) -> str:
        session = tc.session
        queue: list[dict[str, Any]] = Pending(session.pending).queue
        problems: list[str] = []
        while queue:
            request = queue[0]
            item = tc.ctx.item(request["item_id"])
            assert item is not None
            if request["quantity"] > ABSURD_QUANTITY and not request.get("checked"):
                # "cinquante pizzas" is more often a slip than a party: asked back, kept pending
                prefix = ph.say(lang, "added", items=ph.join(added, lang)) + " " if added else ""
                Pending(session.pending).queue = queue
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
                **({"quantity_confirmed": True} if request.get("checked") else {}),
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
                Pending(session.pending).queue = queue
                return self._ask(
                    tc, Expect.QUANTITY_CHECK, ph.say(lang, "too_many", max=MAX_QUANTITY, item=item.name)
                )
            if result["error"] == "missing_variation":
                options = [ph.size_name(o["value"], lang).lower() for o in result["options"]]
                prefix = ph.say(lang, "added", items=ph.join(added, lang)) + " " if added else ""
                Pending(session.pending).queue = queue
                return prefix + self._ask(
                    tc,
                    Expect.SIZE,
                    ph.say(lang, "which_size", item=item.name, options=ph.join(options, lang, "or")),
                )
            queue.pop(0)
            problems.append(self._refusal_text(tc, result, lang))
            if result["error"] == "closed":
                queue.clear()
        Pending(session.pending).queue = None
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
                Pending(session.pending).upsell_categories = missing
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
        queue = Pending(tc.session.pending).queue
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
            Pending(tc.session.pending).queue = None
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
        queue = Pending(tc.session.pending).queue
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
            categories = Pending(tc.session.pending).upsell_categories
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
        Pending(session.pending).queue = [request]
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
        return self._update_line(tc, lang, args)

    def _update_line(self, tc: ToolContext, lang: str, args: dict[str, Any]) -> str:
        """Sets a line as the caller corrected it and says the line back, or says why not."""
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
