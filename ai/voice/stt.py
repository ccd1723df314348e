"""The words of one caller utterance, offline, while the call goes on.

English only: PocketSphinx with the store's own small language model, the one the post-call
transcription uses (ai.voice.lexicon.decoder_for). Any other language is not supported()
here: the realtime pipeline then takes its text from Telnyx's transcription.

A recogniser is made once per call (the store's model is cached across calls; the decoder,
about 12 ms to load, is the call's own because a decoder serves one thread at a time) and
recognize() is given each utterance the voice detector cuts, pre-roll included.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ai import transcription
from ai.voice import lexicon

RATE = 8000
LEVEL = 0.55  # where the loud part of an utterance is brought, as the offline path does


@dataclass(frozen=True)
class Recognition:
    text: str  # "" when nothing was recognised; never invented
    ms: float  # decode time, for the latency budget


def supported(lang: str) -> bool:
    """Whether utterances in `lang` ("en", "en-GB", "fr"…) can be recognised offline."""
    return _language(lang) in transcription.OFFLINE_LANGUAGES


def _language(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].strip().lower()


class UtteranceRecognizer:
    """recognize(samples) → Recognition, for one call in a supported language. Building it
    takes the store's model from the cache, or builds it (~100 ms, plus ~20 ms for each word
    espeak-ng must pronounce): make it in a worker thread, not on the event loop."""

    supported = staticmethod(supported)

    def __init__(self, hints: Sequence[str], lang: str) -> None:
        if not supported(lang):
            raise ValueError(f"no offline recognition for {lang!r}: use the provider's transcription")
        self.lang = _language(lang)
        started = time.perf_counter()
        self._decoder = lexicon.decoder_for(transcription._clean_hints(hints))
        self.build_ms = (time.perf_counter() - started) * 1000.0
        self._lock = threading.Lock()  # one decode at a time: the decoder keeps its state

    def recognize(self, samples: np.ndarray, rate: int = RATE) -> Recognition:
        """The words of an utterance given as int16 samples (8 kHz: phone audio)."""
        started = time.perf_counter()
        audio = np.asarray(samples, dtype=np.float32) / 32768.0
        # The level of the loud part, not the peak (one click must not hush a voice): a quiet
        # line is brought to the level the acoustic model was trained on.
        level = float(np.quantile(np.abs(audio), 0.999)) if audio.size else 0.0
        if level < transcription.SILENT_LEVEL or transcription._is_tone(audio, rate):
            return Recognition("", (time.perf_counter() - started) * 1000.0)
        audio *= LEVEL / level
        try:
            with self._lock:
                text = transcription._decode_segment(self._decoder, audio, rate)
        except (RuntimeError, ValueError):  # what pocketsphinx raises on a bad input
            text = ""
        return Recognition(text, (time.perf_counter() - started) * 1000.0)
