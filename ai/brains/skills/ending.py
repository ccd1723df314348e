"""Ending the call: goodbye, unless an order is still unconfirmed (said once, with its read-back)."""

from __future__ import annotations

from ai.brains import phrases as ph
from ai.brains.skills.common import Dialogue, Heard
from ai.brains.state import Pending
from ai.tools import ToolContext, call_tool


class Ending(Dialogue):
    def _goodbye(self, tc: ToolContext, h: Heard) -> str:
        state = Pending(tc.session.pending)
        if tc.session.cart and not state.goodbye_warned:
            state.goodbye_warned = True
            return ph.say(h.lang, "unconfirmed") + " " + self._readback(tc, h.lang)
        call_tool(tc, "end_call", {"reason": "goodbye"})
        tc.session.pending.clear()
        return ph.say(h.lang, "goodbye")
