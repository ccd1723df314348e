"""Offline recognition of caller utterances as the voice detector cuts them from a call: espeak-ng
says what a pizzeria's caller would, through μ-law and line noise, and PocketSphinx with the
store's model must hear the words that matter."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from ai.voice import lexicon
from ai.voice.stt import Recognition, UtteranceRecognizer, supported
from tests.ai.voice.synth import espeak_wav, needs_audio_tools, on_line, to_phone, utterance

# What the pizzeria passes: catalog items, categories and the store's name.
HINTS = ("Margherita", "Pepperoni", "Calzone", "Tiramisu", "Coke", "Garlic bread", "Pizzas", "Pizzeria Alice")
# The words that matter in each order, and espeak's voices (not its shrill +f3, which PocketSphinx
# mishears: "i would like to margheritas medium").
ORDERS = [
    ("I would like two margherita pizzas", {"two", "margherita"}),
    ("one large pepperoni please", {"one", "pepperoni"}),
    ("can I book a table for four tonight", {"book", "table", "four"}),
]
VOICES = ("en-us", "en-us+f2", "en-us+m3", "en-gb")


@pytest.fixture(scope="module")
def recogniser() -> UtteranceRecognizer:
    return UtteranceRecognizer(HINTS, "en")


def test_only_english_is_recognised_offline() -> None:
    assert supported("en") and supported("en-GB") and supported("en_US")
    assert not supported("fr") and not supported("fr-FR") and not supported("de") and not supported("")
    assert UtteranceRecognizer.supported("en")
    with pytest.raises(ValueError, match="no offline recognition for 'fr'"):
        UtteranceRecognizer(HINTS, "fr")


def test_the_store_model_is_built_once_and_each_call_gets_its_own_decoder() -> None:
    hints = (*HINTS, "Quattro formaggi", "Diavola")  # a store this test has to itself
    lexicon._store_model.cache_clear()
    started = time.perf_counter()
    first = UtteranceRecognizer(hints, "en")
    cold_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    second = UtteranceRecognizer(list(hints), "en-US")
    warm_ms = (time.perf_counter() - started) * 1000
    print(f"UtteranceRecognizer: {cold_ms:.0f} ms with the model to build, {warm_ms:.0f} ms from the cache")
    assert first._decoder is not second._decoder  # a decoder is never shared between calls
    # Built once, then taken from the cache (counted, not timed: a busy machine skews timings).
    cache = lexicon._store_model.cache_info()
    assert (cache.misses, cache.hits) == (1, 1), cache


def test_silence_and_tones_give_no_words(recogniser: UtteranceRecognizer) -> None:
    assert recogniser.recognize(np.zeros(8000, dtype=np.int16)).text == ""
    assert recogniser.recognize(np.array([], dtype=np.int16)).text == ""
    beep = (8000 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype(np.int16)
    result = recogniser.recognize(beep)
    assert isinstance(result, Recognition) and result.text == "" and result.ms >= 0


@needs_audio_tools
def test_utterances_cut_from_a_call_are_heard(recogniser: UtteranceRecognizer, tmp_path: Path) -> None:
    heard, misses = 0, []
    for order, key_words in ORDERS:
        for voice in VOICES:
            cut = utterance(on_line(to_phone(espeak_wav(tmp_path, order, voice)), before=1.0, after=1.0))
            result = recogniser.recognize(cut)
            print(f"{voice}: {len(cut) / 8:.0f} ms of audio in {result.ms:.0f} ms: {result.text!r}")
            assert result.ms > 0  # measured (how fast is bench/, not a test's business)
            if key_words <= set(result.text.split()):
                heard += 1
            else:
                misses.append((voice, order, result.text))
    print(f"key words heard in {heard} of {len(ORDERS) * len(VOICES)} utterances")
    # The American voices every time; espeak's British one is misheard now and then (a word or
    # two: "i would like to margherita pizza").
    assert [miss for miss in misses if miss[0] != "en-gb"] == []
    assert heard >= len(ORDERS) * (len(VOICES) - 1), misses
