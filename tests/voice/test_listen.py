"""The listen stage on real synthesised speech: turns end after the caller stops, speech over the
assistant interrupts it within 300 ms of audio, a hum or a cough does not."""

from __future__ import annotations

import pytest

from ai.voice.frames import AudioIn, Backchannel, Interruption, SpeechStarted, SpeechStopped
from ai.voice.listen import ListenStage
from ai.voice.pipeline import Stage, VoiceCall
from tests.fakes.telnyx.speech import cough_ulaw, silence_ulaw, speech_ulaw
from tests.system_tools import needs_speech

pytestmark = needs_speech


class Collect(Stage):
    name = "collect"

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[int, object]] = []  # (caller frames fed so far, frame)
        self.fed = 0

    async def put(self, frame: object) -> None:  # type: ignore[override]
        self.frames.append((self.fed, frame))


def frames_of(ulaw: bytes) -> list[bytes]:
    return [ulaw[i : i + 160].ljust(160, b"\xff") for i in range(0, len(ulaw), 160)]


async def feed(stage: ListenStage, sink: Collect, ulaw: bytes) -> None:
    for chunk in frames_of(ulaw):
        sink.fed += 1
        await stage.process(AudioIn(ulaw=chunk))


def make(voice: VoiceCall, *, playing: bool) -> tuple[ListenStage, Collect]:
    stage, sink = ListenStage(), Collect()
    stage.next, stage.call, sink.call = sink, voice, voice
    voice.is_playing = lambda: playing
    voice.playing_turn = 4 if playing else -1
    return stage, sink


async def test_an_utterance_is_one_turn_with_its_audio(voice: VoiceCall) -> None:
    stage, sink = make(voice, playing=False)
    await feed(stage, sink, silence_ulaw(400) + speech_ulaw("I would like two pizzas") + silence_ulaw(800))
    kinds = [type(f).__name__ for _, f in sink.frames]
    assert kinds == ["SpeechStarted", "SpeechStopped"]
    stopped = sink.frames[-1][1]
    assert isinstance(stopped, SpeechStopped) and stopped.after_interruption is None
    assert len(stopped.samples) > 8000 * 0.8  # the words, not a fragment
    assert stopped.timing.turn == 1 and stopped.timing.endpointed > stopped.timing.speech_end


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("wait, I want a pizza", "en"),
        ("no, stop", "en"),
        ("attendez, je voudrais", "fr"),
        ("non, arrêtez", "fr"),
    ],
)
async def test_speech_over_the_assistant_interrupts_within_300_ms(
    voice: VoiceCall, text: str, lang: str
) -> None:
    stage, sink = make(voice, playing=True)
    await feed(stage, sink, silence_ulaw(300))
    before = sink.fed
    await feed(stage, sink, speech_ulaw(text, lang) + silence_ulaw(800))
    cuts = [(fed, f) for fed, f in sink.frames if isinstance(f, Interruption)]
    assert len(cuts) == 1 and cuts[0][1].turn == 4
    started = next(fed for fed, f in sink.frames if isinstance(f, SpeechStarted))
    # counted from the first frame of the caller's audio (espeak starts within a frame or two)
    assert (cuts[0][0] - before) * 20 <= 300, (
        f"cut after {(cuts[0][0] - before) * 20} ms (start at {started})"
    )
    stopped = [f for _, f in sink.frames if isinstance(f, SpeechStopped)]
    assert stopped and stopped[0].after_interruption == 4


@pytest.mark.parametrize("sound", ["mm-hmm", "cough"])
async def test_a_backchannel_over_the_assistant_does_not_interrupt(voice: VoiceCall, sound: str) -> None:
    stage, sink = make(voice, playing=True)
    # espeak reads "mm-hmm" as letters: the hum is given as phonemes (a held nasal murmur).
    audio = speech_ulaw("[[m'm:hm:]]") if sound == "mm-hmm" else cough_ulaw()
    await feed(stage, sink, silence_ulaw(300) + audio + silence_ulaw(800))
    assert not any(isinstance(f, Interruption) for _, f in sink.frames)
    assert any(isinstance(f, Backchannel) for _, f in sink.frames)
    assert not any(isinstance(f, SpeechStopped) for _, f in sink.frames)
    assert voice.stats["backchannels_ignored"] == 1
