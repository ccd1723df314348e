"""The output stage: 20 ms frames, marks, clear on interruption, the heard milliseconds, resume,
and actions held until the words before them were heard."""

from __future__ import annotations

import asyncio
import base64

from ai.voice.frames import Action, AudioOut, Interruption, Played, Resume, TurnTiming
from ai.voice.output import FRAME_BYTES, MARK_EVERY_MS, OutputStage
from ai.voice.pipeline import Pipeline, VoiceCall

from .conftest import Wire


def tone(ms: int, code: int = 0x10) -> bytes:
    return bytes([code]) * (8 * ms)


async def until(check, timeout: float = 5.0) -> None:  # noqa: ANN001 - a predicate
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


async def test_a_reply_leaves_in_20ms_frames_with_marks_and_an_end_mark(voice: VoiceCall, wire: Wire) -> None:
    out = OutputStage()
    pipeline = Pipeline(voice, [out])
    pipeline.start()
    timing = TurnTiming(turn=1, speech_end=0.0)
    await out.put(AudioOut(ulaw=tone(430), turn=1, timing=timing))
    await out.put(AudioOut(ulaw=b"", turn=1, last=True))
    await until(lambda: any(m.get("mark", {}).get("name", "").endswith(":end") for m in wire.of("mark")))
    media = wire.of("media")
    assert len(media) == 22  # 430 ms → 21.5 frames, the last padded with silence
    assert all(len(base64.b64decode(m["media"]["payload"])) == FRAME_BYTES for m in media)
    assert base64.b64decode(media[-1]["media"]["payload"]).endswith(b"\xff" * 80)
    names = [m["mark"]["name"] for m in wire.of("mark")]
    assert names == [f"1:{ms}" for ms in range(MARK_EVERY_MS, 440, MARK_EVERY_MS)] + ["1:440:end"]
    # the turn was timed when its first frame left
    assert voice.turns and voice.turns[0]["turn"] == 1 and timing.first_audio_sent is not None
    await pipeline.end()


async def test_interruption_clears_reports_heard_ms_and_resume_plays_the_rest(
    voice: VoiceCall, wire: Wire
) -> None:
    out = OutputStage()
    pipeline = Pipeline(voice, [out])
    pipeline.start()
    await out.put(AudioOut(ulaw=tone(2000), turn=3, last=True))
    await until(lambda: len(wire.of("media")) >= 10)
    await out.put(Played(name="3:200"))
    await until(lambda: out._echo is not None)
    assert voice.is_playing()
    await out.put(Interruption(turn=3))
    assert wire.events[-1] == "clear"
    heard = voice.interruptions[-1]["heard_ms"]
    sent_before = len(wire.of("media"))
    assert 200 <= heard <= sent_before * 20
    assert voice.cancelled(3) and voice.stats["interruptions"] == 1
    # later audio of the cut reply is dropped
    await out.put(AudioOut(ulaw=tone(200), turn=3))
    await asyncio.sleep(0.1)
    assert len(wire.of("media")) == sent_before
    # "mm-hmm" after all: the rest of the reply plays from where the caller stopped hearing it
    await out.put(Resume(turn=3))
    remaining_frames = (2000 - heard) * 8 // FRAME_BYTES
    await until(lambda: len(wire.of("media")) >= sent_before + remaining_frames)
    assert not voice.cancelled(3)
    await pipeline.end()


async def test_an_interruption_when_nothing_plays_sends_nothing(voice: VoiceCall, wire: Wire) -> None:
    out = OutputStage()
    pipeline = Pipeline(voice, [out])
    pipeline.start()
    await out.put(Interruption(turn=0))
    assert wire.sent == [] and voice.stats["interruptions"] == 0
    await pipeline.end()


async def test_a_hang_up_waits_for_the_goodbye_to_be_heard(voice: VoiceCall, wire: Wire) -> None:
    done: list[dict] = []

    async def on_action(action: dict) -> None:
        done.append({**action, "media_sent": len(wire.of("media"))})

    voice.on_action = on_action
    out = OutputStage()
    pipeline = Pipeline(voice, [out])
    pipeline.start()
    await out.put(AudioOut(ulaw=tone(300), turn=2, last=True))
    await out.put(Action(action={"action": "hangup"}, turn=2))
    await until(lambda: bool(done), timeout=5)
    assert done[0]["action"] == "hangup" and done[0]["media_sent"] == 15
    await pipeline.end()
