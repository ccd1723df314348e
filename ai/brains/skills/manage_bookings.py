"""Managing bookings: the caller's own bookings found by their number, cancelled or moved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ai.brains import phrases as ph
from ai.brains.skills.common import ORDINALS, Dialogue, Heard
from ai.brains.state import Expect, Pending
from ai.nlu.when import combine
from ai.tools import ToolContext, call_tool


class ManageBookings(Dialogue):
    def _my_bookings(self, tc: ToolContext, h: Heard) -> str:
        lang = h.lang
        result = call_tool(tc, "find_my_bookings", {})
        bookings = result.get("bookings", []) if result["ok"] else []
        if not bookings:
            return ph.say(lang, "bookings_none") + " " + ph.say(lang, "how_help")
        action = "cancel" if h.has("cancel_booking") else "move" if h.has("move_booking") else "show"
        Pending(tc.session.pending).manage = {"action": action, "refs": [b["booking_ref"] for b in bookings]}
        described = [self._describe_booking(tc, b, lang) for b in bookings]
        if len(bookings) == 1:
            Pending(tc.session.pending).manage["ref"] = bookings[0]["booking_ref"]
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
        manage = Pending(tc.session.pending).manage
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
        manage = Pending(tc.session.pending).manage
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
        manage = Pending(tc.session.pending).manage
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
