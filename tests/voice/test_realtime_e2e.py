"""Voice calls through the OpenAI Realtime bridge: the Telnyx simulator's media client sends real
speech, the app relays it untouched to the Realtime fake (GA protocol, through the SDK's
`client.realtime.connect`), the fake's function calls run our tools, and barge-in truncates the
assistant's item at the milliseconds the caller heard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ai.models import AIConversationSession, IntelligentAIConfig
from stores.models import Store
from telephony.media.relay import STREAM_LOST_EVENT
from telephony.models import Call, TelnyxEvent
from telephony.selectors import orders_of_call
from tests.fakes.openai import FakeOpenAI, rt_function_call, rt_say
from tests.fakes.telnyx.speech import speech_ulaw
from tests.system_tools import needs_speech
from tests.telephony.conftest import settle, wait_until

from .test_voice_calls_e2e import answered_stream, english_pizzeria, voice_line  # noqa: F401 - fixtures

# The caller's words are espeak-ng speech on the media stream.
pytestmark = [pytest.mark.django_db(transaction=True), needs_speech]


@pytest.fixture
def openai_fake(settings) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = fake.api_key
        settings.OPENAI_BASE_URL = fake.base_url
        yield fake


@pytest.fixture
def realtime_pizzeria(english_pizzeria: Store) -> Store:  # noqa: F811
    IntelligentAIConfig.objects.filter(store=english_pizzeria).update(
        brain="openai", turn_detection="server_vad"
    )
    return english_pizzeria


def record_of(call) -> AIConversationSession:  # noqa: ANN001
    return wait_until(
        lambda: AIConversationSession.objects.filter(
            pk__in=Call.objects.filter(call_control_id=call.call_control_id).values("conversation"),
            voice_stats__has_key="pipeline",
        ).first(),
        what="the call's voice figures",
    )


def test_the_models_function_calls_create_the_order(voice_line, realtime_pizzeria, openai_fake) -> None:  # noqa: F811
    openai_fake.queue_realtime(
        rt_say("Hello, Pizzeria Bella Napoli, how can I help?", ms=1500),
        rt_function_call("add_to_order", {"item": "Pepperoni", "quantity": 2, "size": "Grande"}),
        rt_function_call("confirm_order", {"delivery_type": "takeaway"}),
        rt_say("Two large pepperoni for pick-up, your order is confirmed.", ms=1500),
    )
    openai_fake.queue_realtime_transcripts("Two large pepperoni pizzas to take away please.")
    call, stream = answered_stream(voice_line)
    stream.wait_quiet(ms=300, timeout=20)
    stream.play_utterance(speech_ulaw("two large pepperoni pizzas to take away please", "en"))
    row = Call.objects.get(call_control_id=call.call_control_id)
    order = wait_until(lambda: orders_of_call(row).first(), timeout=20, what="the order")
    assert [(i.name, i.quantity) for i in order.items.all()] == [("Pepperoni", 2)]
    assert order.delivery_type == "takeaway"
    stream.wait_for(lambda s: s.played_ms > 2500, timeout=20)  # the confirmation is heard
    conn = openai_fake.realtime_connections[0]
    session = conn.session
    assert session["audio"]["input"]["format"]["type"] == "audio/pcmu"
    assert session["audio"]["output"]["voice"] and session["tools"]
    # PCMU passed through untouched: what the fake got is what the simulator sent
    appended = [e for e in conn.client_events if e["type"] == "input_audio_buffer.append"]
    assert len(appended) > 50
    outputs = [e for e in conn.client_events if e["type"] == "conversation.item.create"]
    assert [e["item"]["type"] for e in outputs] == ["function_call_output", "function_call_output"]
    call.hang_up()
    settle(voice_line)
    record = record_of(call)
    assert record.voice_stats["pipeline"] == "realtime"
    assert record.voice_turns and record.voice_turns[0]["model_ms"] > 0
    assert record.tokens_in > 0
    said = [m["content"] for m in record.messages]
    assert "Two large pepperoni pizzas to take away please." in said


def test_barge_in_clears_telnyx_and_truncates_at_the_heard_milliseconds(
    voice_line,  # noqa: F811
    realtime_pizzeria,
    openai_fake,
) -> None:
    openai_fake.queue_realtime(
        rt_say("Hello and welcome to Pizzeria Bella Napoli, " * 4, ms=6000),
        rt_say("Of course, which pizza would you like?", ms=1200),
    )
    openai_fake.queue_realtime_transcripts("Wait, I want a pizza.")
    call, stream = answered_stream(voice_line)
    stream.wait_for(lambda s: s.played_ms > 1500, timeout=15)
    stream.play_utterance(speech_ulaw("wait, I want a pizza", "en"))
    assert stream.clears, "no clear reached Telnyx"
    _, _, played_at_clear = stream.clears[0]
    conn = openai_fake.realtime_connections[0]
    truncate = conn.wait_for(
        lambda c: next((e for e in c.client_events if e["type"] == "conversation.item.truncate"), None),
        timeout=10,
    )
    # What the caller had heard when Telnyx cleared, give or take the frames in flight.
    assert abs(truncate["audio_end_ms"] - played_at_clear) <= 120, (truncate, played_at_clear)
    assert truncate["content_index"] == 0 and truncate["item_id"]
    assert conn.truncations  # the fake accepted it (within the item's audio)
    # then the model answers the caller's words
    conn.wait_for(lambda c: sum(e["type"] == "response.create" for e in c.client_events) >= 2, timeout=10)
    call.hang_up()
    settle(voice_line)
    assert record_of(call).voice_stats["interruptions"] == 1


def test_a_dropped_realtime_socket_reconnects_once_then_the_text_loop_takes_over(
    voice_line,  # noqa: F811
    realtime_pizzeria,
    openai_fake,
) -> None:
    openai_fake.queue_realtime(rt_say("Hello, how can I help?", ms=800))
    call, stream = answered_stream(voice_line)
    stream.wait_quiet(ms=300, timeout=20)
    openai_fake.drop_realtime()  # cut now: the bridge reconnects
    openai_fake.wait_realtime(lambda conns: len(conns) >= 2, timeout=10)
    second = openai_fake.realtime_connections[1]
    second.wait_for(lambda c: any(e["type"] == "session.update" for e in c.client_events), timeout=5)
    # the conversation so far was replayed to the new socket
    second.wait_for(
        lambda c: any(e["type"] == "conversation.item.create" for e in c.client_events), timeout=5
    )
    openai_fake.refuse_realtime(times=5)
    openai_fake.drop_realtime()  # and again: now the text loop carries on
    row = Call.objects.get(call_control_id=call.call_control_id)
    wait_until(
        lambda: TelnyxEvent.objects.filter(event_type=STREAM_LOST_EVENT).exists(), what="the hand-back"
    )
    settle(voice_line)
    row.refresh_from_db()
    assert row.control["mode"] == "ai" and row.ended_at is None  # nobody was hung up on
    actions = [c.action for c in voice_line.commands]
    assert "streaming_stop" in actions and "transcription_start" in actions
    assert call.spoken and "line dropped" in call.spoken[-1]
    call.say("two large pepperoni pizzas please")  # the text loop answers
    call.wait_for_speech(timeout=10)
    assert record_of(call).voice_stats["reconnects"] == 1
