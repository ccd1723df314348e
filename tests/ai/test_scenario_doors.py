"""The dialogue classes (README, "What a caller can count on") played through the two other public
doors: `manage.py chat` with its stdin piped, and the test chat's WebSocket. Each scenario is the
YAML one, with its setup and its judgement on the database (ai/scenarios.py); only the way the turns
reach the assistant changes. Whole phone calls of the same classes are in
tests/telephony/test_dialogue_classes_calls.py. Neither door takes a language: a conversation starts
in the store's language and the caller's first English line switches it, so the English scenarios
picked here are ones that do not depend on the first reply already being English."""

from __future__ import annotations

import sys
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from ai import clock, scenarios
from ai.models import AIConversationSession
from stores.models import Store
from tests.ai.test_chat_ws import open_chat, receive, say, session_cookie, start

SCENARIOS = {
    (spec["_file"], spec["name"]): spec for spec in scenarios.load_dir(Path(__file__).parent / "scenarios")
}

# dialogue class → (file, scenario name), in French and in English
CLASSES: list[tuple[str, str, str]] = [
    ("item kept during a size question", "order_edits.yaml", "un tiramisu pendant la question de taille"),
    ("correction", "order_edits.yaml", "non deux pas une"),
    ("correction", "order_edits.yaml", "two not three"),
    ("count after the item", "order_edits.yaml", "des limonades, cinq"),
    ("count after the item", "order_edits.yaml", "lasagne, three of them"),
    ("homophone cent", "order_edits.yaml", "une napolitaine cent olives (homophone)"),
    ("homophone vin", "order_edits.yaml", "une table pour vin personnes (homophone de vingt)"),
    ("modifiers and notes", "order_edits.yaml", "une regina sans champignons, une margherita bien cuite"),
    ("modifiers and notes", "order_edits.yaml", "a pepperoni with no onions, extra ham, well done"),
    ("questions are not orders", "questions.yaml", "vous fermez à quelle heure ce soir, demandé à midi"),
    ("questions are not orders", "questions.yaml", "what time do you close tonight, asked at lunchtime"),
    ("yes to an open question", "open_questions.yaml", "oui à « quelle taille » ne choisit pas de taille"),
    ("yes to an open question", "open_questions.yaml", 'yes to "under what name" is not a name'),
    (
        "same weekday as today",
        "closed_days.yaml",
        "mardi à 10 h dit un mardi après-midi, c'est le mardi suivant",
    ),
    (
        "closed day",
        "closed_days.yaml",
        "samedi au cabinet fermé le week-end, prochaine ouverture avec sa date",
    ),
    ("holiday", "closed_days.yaml", "a table on Christmas Day is not booked while the owner has not said"),
    ("no thanks ends the call", "ends_and_tone.yaml", "non merci après une question, l'appel se termine"),
    ("angry caller", "ends_and_tone.yaml", "an angry caller hears sorry first, then a person"),
    (
        "the usual",
        "returning_callers.yaml",
        "comme d'habitude avec supplément et note, à emporter dit avec le oui",
    ),
    ("the usual", "returning_callers.yaml", "James takes the usual plus a coke, delivered"),
    ("slot grid and duration", "core_salon.yaml", "Saturday closes at five, a colour at 4pm does not fit"),
    ("slot grid and duration", "core_salon.yaml", "un brushing samedi matin"),
]


def _params() -> list[Any]:
    return [pytest.param(SCENARIOS[(file, name)], id=f"{kind}: {name}") for kind, file, name in CLASSES]


@pytest.fixture
def seeded(db) -> None:
    call_command("seed_demo", stdout=StringIO())


# --- the doors --------------------------------------------------------------------------------
def chat_command_door(store: Store, spec: dict[str, Any], lines: list[str]) -> scenarios.Talk:
    """`manage.py chat` in scripted mode: one line in, one reply out, the greeting on stderr. The
    command prints no actions: the hang-up or transfer is read from the conversation record."""
    out, err = StringIO(), StringIO()
    options: dict[str, Any] = {"store": store.slug, "brain": spec.get("brain", "local")}
    if spec.get("now"):
        options["now"] = str(spec["now"])
    if spec.get("phone"):
        options["phone"] = str(spec["phone"])
    piped = StringIO("".join(f"{line}\n" for line in lines))
    with mock.patch.object(sys, "stdin", piped):
        call_command("chat", stdout=out, stderr=err, **options)
    record = AIConversationSession.objects.filter(store=store, channel="cli").latest("pk")
    actions = [
        call["result"]["action"]
        for call in record.tool_calls
        if call["result"].get("ok") and call["result"].get("action")
    ]
    return scenarios.Talk(
        greeting=err.getvalue().strip(), replies=out.getvalue().splitlines(), actions=actions
    )


class ChatSocketDoor:
    """The test chat's WebSocket, as the store's owner, with the page's "pretend it is" time and
    caller number. Run from this synchronous test, the consumer's database work comes back to this
    thread: it sees the scenario's setup inside the runner's transaction."""

    def __init__(self, cookie: bytes) -> None:
        self.cookie = cookie

    def __call__(self, store: Store, spec: dict[str, Any], lines: list[str]) -> scenarios.Talk:
        # As in SocketClient: Channels must not close this thread's connection mid-transaction
        # (here also while the consumer finishes on disconnect).
        with mock.patch("channels.db.close_old_connections", lambda: None):
            return async_to_sync(self._talk)(store.pk, spec, lines)

    async def _talk(self, store_id: int, spec: dict[str, Any], lines: list[str]) -> scenarios.Talk:
        chat = await open_chat(store_id, self.cookie)
        fields: dict[str, Any] = {"live": False, "brain": spec.get("brain", "local")}
        if spec.get("now"):
            fields["now"] = str(spec["now"])
        if spec.get("phone"):
            fields["phone"] = str(spec["phone"])
        greeting = await start(chat, **fields)
        assert greeting["type"] == "reply", greeting
        assert greeting["sandbox"] is True
        talk = scenarios.Talk(greeting=greeting["text"], replies=[])
        for line in lines:
            reply = await say(chat, line)
            assert reply["type"] == "reply", reply
            talk.replies.append(reply["text"])
            talk.actions.extend(action["action"] for action in reply["actions"])
            if reply["ended"]:
                assert (await receive(chat))["type"] == "ended"
                break
        await chat.disconnect()
        return talk


# --- the tests ----------------------------------------------------------------------------------
def test_the_classes_are_played_in_french_and_in_english():
    specs = [SCENARIOS[(file, name)] for _, file, name in CLASSES]
    assert len(specs) >= 12
    assert {spec["lang"] for spec in specs} == {"fr", "en"}
    assert not [spec["name"] for spec in specs if spec.get("known_gap")]


@pytest.mark.parametrize("spec", _params())
def test_through_the_chat_command(spec, seeded):
    result = scenarios.run(spec, door=chat_command_door)
    assert result.passed, result.explain()


@pytest.mark.parametrize("spec", _params())
def test_through_the_test_chat_socket(spec, seeded):
    store = Store.objects.get(slug=spec["store"])
    moment = scenarios.scenario_now(spec, store)
    if moment and abs(moment - timezone.now()) > clock.MAX_DISTANCE:
        pytest.skip(
            "the test chat refuses a pretend time more than a year from today; the scenarios are dated"
        )
    cookie = session_cookie(User.objects.get(email="demo@kalliky.local"))
    result = scenarios.run(spec, door=ChatSocketDoor(cookie))
    assert result.passed, result.explain()
