"""The first stage: listen to the caller. Voice activity, turn ends, and barge-in.

While the assistant is talking, caller sound is a candidate interruption. Once it has lasted
INTERRUPT_AFTER_MS its onset is classified: speech (vowels, formants) interrupts at once — inside
300 ms of caller audio — while a hum ("mm-hmm", "hmm") or a noise burst (a cough) is held;
held sound that goes on past BACKCHANNEL_MAX_MS interrupts after all. Held sound that stops is a
backchannel: ignored, counted, the reply goes on — unless it was too short to be judged and
sounds like words ("non !"), which then interrupts as it ends. Words that interrupted but turn out to be an
acknowledgement ("oui", "ok", "d'accord") are caught after recognition (see local.py and
realtime.py): the reply resumes and the call counts a false interruption.
"""

from __future__ import annotations

from ai.voice.codecs import CODECS
from ai.voice.frames import (
    AudioIn,
    Backchannel,
    Frame,
    Interruption,
    SpeechStarted,
    SpeechStopped,
    TurnTiming,
)
from ai.voice.pipeline import Stage
from ai.voice.vad import EnergyVad, classify_onset

INTERRUPT_AFTER_MS = 240  # of caller sound during playback before its onset is judged
BACKCHANNEL_MAX_MS = 700  # held sound longer than this is not a backchannel


class ListenStage(Stage):
    name = "listen"

    def __init__(self, *, stop_ms: int = 500, forward_audio: bool = False, pipeline: str = "local") -> None:
        super().__init__()
        self.vad = EnergyVad(stop_ms=stop_ms)
        self.stop_ms = stop_ms
        self.forward_audio = forward_audio  # the Realtime bridge wants every frame
        self.pipeline = pipeline
        self._decode = CODECS["PCMU"].decode
        self._candidate = False  # this utterance began while the assistant was talking
        self._judged = ""  # speech | hum | noise, once the onset has been classified
        self._interrupted: int | None = None  # the reply this utterance cut

    async def put(self, frame: Frame) -> None:
        # Caller audio is judged as it arrives, in the socket's own task: a few microseconds a
        # frame, and no queue hop fifty times a second per call. Other frames queue as usual.
        if isinstance(frame, AudioIn):
            await self.process(frame)
        else:
            await super().put(frame)

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, AudioIn):
            await self.push(frame)
            return
        assert self.call is not None
        if self.forward_audio:
            await self.push(frame)
        event = self.vad.push(self._decode(frame.ulaw))
        if event == "start":
            self._candidate = self.call.is_playing()
            self._judged = ""
            self._interrupted = None
            await self.push(SpeechStarted(at=frame.at, during_playback=self._candidate))
        if self._candidate and self._interrupted is None and self.vad.speaking:
            await self._judge()
        if event == "stop":
            await self._utterance_ended(frame)

    async def _judge(self) -> None:
        assert self.call is not None
        if self.vad.speech_ms < INTERRUPT_AFTER_MS:
            return
        if not self.call.is_playing():
            self._candidate = False  # the reply ended by itself: an ordinary turn now
            return
        if not self._judged:
            self._judged = classify_onset(self.vad.utterance())
        if self._judged == "speech" or self.vad.speech_ms >= BACKCHANNEL_MAX_MS:
            self._interrupted = self.call.playing_turn
            await self.push(Interruption(turn=self.call.playing_turn))

    async def _utterance_ended(self, frame: AudioIn) -> None:
        assert self.call is not None
        if self._candidate and self._interrupted is None and self.call.is_playing():
            # Too short to have been judged: a quick "non !" is still words, a hum is not.
            if (self._judged or classify_onset(self.vad.utterance())) == "speech":
                self._interrupted = self.call.playing_turn
                await self.push(Interruption(turn=self.call.playing_turn))
        if self._candidate and self._interrupted is None:
            self.call.count("backchannels_ignored")
            self._candidate = False
            await self.push(Backchannel(at=frame.at))
            return
        timing = TurnTiming(
            turn=self.call.new_turn(),
            speech_end=frame.at - self.stop_ms / 1000,
            endpointed=frame.at,
            pipeline=self.pipeline,
        )
        await self.push(
            SpeechStopped(samples=self.vad.utterance(), timing=timing, after_interruption=self._interrupted)
        )
        self._candidate = False
        self._interrupted = None
