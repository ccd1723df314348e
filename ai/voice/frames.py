"""What moves through a call's voice pipeline: typed frames.

Audio is G.711 μ-law at 8 kHz (PCMU, Telnyx's and the Realtime API's telephone format) in both
directions, so the OpenAI bridge passes it through untouched and only the local pipeline decodes.
Frames that must never wait behind queued data (an interruption, the end of the call) are
`URGENT`: every stage handles them at once and drops the reply work they make stale."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def now() -> float:
    return time.monotonic()


@dataclass
class TurnTiming:
    """One caller turn, from the end of the caller's speech to the first audio byte sent back.

    Stages fill in the moments they own; `split()` turns them into the figures stored per turn."""

    turn: int
    speech_end: float  # arrival of the caller's last voiced frame
    pipeline: str = "local"
    endpointed: float | None = None  # the voice detector decided the caller had finished
    stt_done: float | None = None
    agent_done: float | None = None
    first_audio_ready: float | None = None  # TTS (or the model) produced the first audio
    first_audio_sent: float | None = None
    model_ms: float | None = None  # Realtime: speech end → first audio delta received

    def split(self) -> dict[str, Any]:
        def ms(a: float | None, b: float | None) -> float:
            return round(max(0.0, (b - a) * 1000), 1) if a is not None and b is not None else 0.0

        total = ms(self.speech_end, self.first_audio_sent)
        if self.pipeline == "realtime":
            model = ms(self.speech_end, self.first_audio_ready)
            parts = {"model_ms": model}
        else:
            endpoint = ms(self.speech_end, self.endpointed)
            stt = ms(self.endpointed, self.stt_done)
            agent = ms(self.stt_done, self.agent_done)
            tts = ms(self.agent_done, self.first_audio_ready)
            parts = {"endpoint_ms": endpoint, "stt_ms": stt, "agent_ms": agent, "tts_ms": tts}
        overhead = round(max(0.0, total - sum(parts.values())), 1)
        return {
            "turn": self.turn,
            "pipeline": self.pipeline,
            "total_ms": total,
            **parts,
            "overhead_ms": overhead,
        }


@dataclass(frozen=True)
class AudioIn:
    """20 ms of the caller, in order (the consumer reorders Telnyx's chunks)."""

    ulaw: bytes
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class SpeechStarted:
    at: float = field(default_factory=now)
    during_playback: bool = False


@dataclass(frozen=True)
class SpeechStopped:
    """The caller finished an utterance; `samples` are its 16-bit linear audio (local pipeline)."""

    samples: np.ndarray
    timing: TurnTiming
    after_interruption: int | None = None  # the reply it cut, when it cut one


@dataclass(frozen=True)
class Backchannel:
    """The caller said "mm-hmm" (or coughed) over the assistant: nothing to answer."""

    at: float = field(default_factory=now)


@dataclass(frozen=True)
class Transcript:
    text: str
    timing: TurnTiming | None = None
    after_interruption: int | None = None
    source: str = "stt"  # stt | telnyx | realtime


@dataclass(frozen=True)
class ReplyText:
    """What the assistant says for one turn (sentence by sentence when the brain streams)."""

    text: str
    turn: int
    timing: TurnTiming | None = None
    last: bool = True
    lang: str = "en"


@dataclass(frozen=True)
class AudioOut:
    """Assistant audio for the caller, any length: the output stage cuts it in 20 ms frames."""

    ulaw: bytes
    turn: int
    timing: TurnTiming | None = None
    last: bool = False  # the reply's last chunk


@dataclass(frozen=True)
class Played:
    """Telnyx echoed one of our marks: the audio before it has been heard."""

    name: str
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class Resume:
    """The interruption was a backchannel after all: play the rest of the reply."""

    turn: int


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Action:
    """What the agent asked the call to do (transfer, hang up) once its words have been heard."""

    action: dict[str, Any]
    turn: int


@dataclass(frozen=True)
class Interruption:
    """The caller took the floor: stop talking now. `heard_ms` is filled by the output stage."""

    turn: int
    at: float = field(default_factory=now)


@dataclass(frozen=True)
class End:
    reason: str = "stop"


URGENT = (Interruption, End)
Frame = (
    AudioIn
    | SpeechStarted
    | SpeechStopped
    | Backchannel
    | Transcript
    | ReplyText
    | AudioOut
    | Played
    | Resume
    | Dtmf
    | Action
    | Interruption
    | End
)
