"""Realtime voice, per frame and per turn, through the real doors.

(a) Relay overhead of the OpenAI Realtime bridge: from a Telnyx media frame reaching our socket
    to the same audio leaving on the Realtime socket (`input_audio_buffer.append`), measured in
    the app for every frame of a call streamed by the Telnyx simulator's media client to the app
    (uvicorn) and relayed to the OpenAI fake. Goal: p99 < 5 ms.
(c) The local pipeline's reply time: end of the caller's speech → first audio byte sent back,
    split into end-of-speech detection, STT (PocketSphinx), agent (LocalBrain) and TTS
    (espeak-ng), for English orders spoken by espeak at real-time pace.

Everything runs in this one process (the app's server thread, the simulator's threads, the
fake's threads), so the figures include their competition for the interpreter.
"""

from __future__ import annotations

import base64
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table, setup_django, write_json  # noqa: E402

RELAY_FRAMES = 750  # 15 s of a call
CALLS = 3
TURNS = ("two large pepperoni pizzas please", "no thank you", "I will pick it up", "okay")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 2)


def streamed_call(store, ccid: str, lang: str):  # noqa: ANN001, ANN201
    from ai import agent
    from telephony.models import Call

    Call.objects.filter(call_control_id=ccid).delete()
    call = Call.objects.create(
        business=store.business,
        store=store,
        call_control_id=ccid,
        from_number="+447700900123",
        to_number="+33100000001",
        status=Call.Status.ANSWERED,
    )
    session, reply = agent.begin(store, channel="phone", caller_phone=call.from_number, lang=lang)
    call.session_key = session.id
    call.conversation_id = session.db_id
    call.control = {"mode": "stream", "greeting": reply.text}
    call.save(update_fields=["session_key", "conversation", "control"])
    return call


def connect(base: str, ccid: str):  # noqa: ANN201 - a MediaStream
    from telephony.media import stream_token, stream_url
    from tests.fakes.telnyx.media import MediaStream

    url = stream_url(ccid).replace("ws://testserver", base.replace("http://", "ws://"))
    stream = MediaStream(url, auth_token=stream_token(ccid), call_control_id=ccid).start()
    return stream.wait_connected(timeout=10)


def relay_overhead(base: str, store) -> dict[str, object]:  # noqa: ANN001
    from django.conf import settings

    from ai.voice.realtime import RealtimeBridge
    from telephony.media.consumer import TelnyxMediaConsumer
    from tests.fakes.openai import FakeOpenAI

    arrived: dict[bytes, float] = {}
    overheads: list[float] = []
    receive, append = TelnyxMediaConsumer.receive, RealtimeBridge._append

    async def timed_receive(self, text_data=None, bytes_data=None):  # noqa: ANN001, ANN202
        if text_data and '"media"' in text_data:
            payload = json.loads(text_data)["media"][
                "payload"
            ]  # the bench's own parse, before the clock starts
            arrived[base64.b64decode(payload)] = time.perf_counter()
        await receive(self, text_data, bytes_data)

    async def timed_append(self, audio: bytes) -> None:  # noqa: ANN001
        await append(self, audio)
        started = arrived.pop(audio, None)
        if started is not None:
            overheads.append((time.perf_counter() - started) * 1000)

    TelnyxMediaConsumer.receive, RealtimeBridge._append = timed_receive, timed_append  # type: ignore[method-assign]
    try:
        with FakeOpenAI() as fake:
            settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = fake.api_key, fake.base_url
            call = streamed_call(store, "bench-relay", "en")
            stream = connect(base, call.call_control_id)
            fake.wait_realtime(lambda conns: conns and conns[0].session.get("tools"), timeout=10)
            arrived.clear()
            # Every frame different (a counter in its first bytes), so each is matched to itself.
            audio = b"".join((n.to_bytes(4, "big") + b"\xff" * 156) for n in range(RELAY_FRAMES))
            stream.send_audio(audio)
            time.sleep(0.5)
            stream.stop()
    finally:
        TelnyxMediaConsumer.receive, RealtimeBridge._append = receive, append  # type: ignore[method-assign]
        settings.OPENAI_API_KEY = ""
    return {
        "case": "(a) relay: Telnyx frame in → Realtime append out",
        "n": len(overheads),
        "p50_ms": pct(overheads, 0.5),
        "p99_ms": pct(overheads, 0.99),
        "max_ms": round(max(overheads), 2),
        "goal": "p99 < 5 ms",
    }


def local_turns(base: str, store) -> tuple[dict[str, object], list[dict[str, float]]]:  # noqa: ANN001
    from telephony.selectors import conversations_of_call
    from tests.fakes.telnyx.speech import speech_ulaw

    turns: list[dict[str, float]] = []
    for n in range(CALLS):
        call = streamed_call(store, f"bench-local-{n}", "en")
        stream = connect(base, call.call_control_id)
        stream.wait_playing(timeout=15)
        for text in TURNS:
            stream.wait_quiet(ms=400, timeout=30)
            heard = stream.played_ms
            stream.play_utterance(speech_ulaw(text, "en"), trailing_silence_ms=700)
            stream.wait_for(lambda s, h=heard: s.played_ms > h + 300, timeout=30)
        stream.wait_quiet(ms=400, timeout=30)
        stream.stop()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            record = conversations_of_call(call).exclude(voice_turns=[]).first()
            if record is not None and len(record.voice_turns) >= len(TURNS):
                turns.extend(record.voice_turns)
                break
            time.sleep(0.1)
    totals = [t["total_ms"] for t in turns]
    parts = {
        p: round(statistics.median(t[p] for t in turns), 1)
        for p in ("endpoint_ms", "stt_ms", "agent_ms", "tts_ms", "overhead_ms")
    }
    row = {
        "case": "(c) local: end of speech → first audio",
        "n": len(totals),
        "p50_ms": pct(totals, 0.5),
        "p99_ms": pct(totals, 0.95),  # p95 for turns: a few dozen of them
        "max_ms": round(max(totals), 2),
        "goal": "p50 / p95 (p95 in the p99 column)",
    }
    return row, [parts]


def main() -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from ai import context
    from ai.models import IntelligentAIConfig
    from stores.models import Store
    from tests.factories import open_around_now

    call_command("seed_demo", verbosity=0)
    store = Store.objects.get(slug="pizzeria-bella-napoli")
    open_around_now(store)
    IntelligentAIConfig.objects.filter(store=store).update(language="en", brain="openai")
    context.invalidate(store.pk)
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    from kalliky.asgi import application
    from tests.asgi import uvicorn_thread

    with uvicorn_thread(application) as base:
        settings.PUBLIC_BASE_URL = base
        relay = relay_overhead(base, store)
        IntelligentAIConfig.objects.filter(store=store).update(brain="local")
        context.invalidate(store.pk)
        local, parts = local_turns(base, store)
    print_table("Realtime voice: relay overhead per frame, local reply time per turn", [relay, local])
    print_table("Local pipeline, median split of a turn (ms)", parts)
    path = write_json("voice_pipeline", {"relay": relay, "local": local, "local_split_p50": parts[0]})
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
