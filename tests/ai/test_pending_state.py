"""Every key the brain keeps between two caller lines goes through `Pending`, and what it
stores survives the trip through the session row's JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ai.brains
from ai.brains.state import Expect, Pending

RAW_ACCESS = re.compile(r"""pending(\[|\.get\(|\.pop\(|\.setdefault\()["']""")


def test_no_brain_module_spells_a_pending_key_as_a_string() -> None:
    root = Path(ai.brains.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "state.py"  # the one module that maps attributes to keys
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_ACCESS.search(line)
    ]
    assert offenders == []


def test_pending_round_trips_through_json() -> None:
    state = Pending({})
    state.ask(Expect.SIZE, "Which size?", yes_no=False)
    state.topic_item, state.topic_size, state.last_was_price = 7, "large", True
    state.angry = True
    state.queue = [{"item_id": 7, "quantity": 2, "size": None, "extras": []}]
    state.booking = {"kind": "reservation", "party_size": 4}
    state.manage = {"action": "move", "refs": ["B1", "B2"], "ref": "B2"}
    state.line_change = {"change": {"quantity": 3}, "was": str(Expect.CONFIRM_ORDER)}

    stored = Pending(json.loads(json.dumps(state.raw)))

    assert stored.raw == state.raw
    assert stored.expect is Expect.SIZE and stored.asked == "Which size?" and not stored.yes_no
    assert (stored.topic_item, stored.topic_size, stored.last_was_price) == (7, "large", True)
    assert stored.angry and not stored.complaint_asked and not stored.usual_offered
    assert stored.queue[0]["quantity"] == 2
    assert stored.manage is not None and stored.manage["ref"] == "B2"


def test_a_cleared_flag_or_record_leaves_no_key_behind() -> None:
    raw = {"human_offered": True, "queue": [{"item_id": 1}], "topic_service": "Cut"}
    state = Pending(raw)

    state.human_offered, state.queue, state.topic_service = False, None, None

    assert raw == {}
    assert state.queue == [] and state.booking is None and state.upsell_categories == []
