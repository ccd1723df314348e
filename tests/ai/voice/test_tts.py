"""The assistant's voice as 8 kHz μ-law: espeak-ng offline (heard back by the offline recogniser),
OpenAI's 24 kHz PCM brought down to the phone line, and replies cut into sentences so the first
one plays while the rest is synthesised."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import httpx
import numpy as np
import openai
import pytest

from ai.voice import tts
from ai.voice.codecs import CODECS
from ai.voice.stt import UtteranceRecognizer
from tests.ai.voice.synth import on_line, utterance
from tests.system_tools import needs

needs_espeak = needs("espeak-ng")
HINTS = ("Margherita", "Pepperoni", "Calzone", "Tiramisu", "Coke", "Garlic bread", "Pizzas", "Pizzeria Alice")
REPLY = "Sure, two margherita pizzas for delivery. That comes to twenty four euros. Anything else?"


def decoded(ulaw: bytes) -> np.ndarray:
    return CODECS["PCMU"].decode(ulaw)


def dominant_hz(samples: np.ndarray, rate: int = 8000) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


# --- espeak-ng ---------------------------------------------------------------------------------------
@needs_espeak
@pytest.mark.parametrize(
    ("lang", "voice_type"), [("en", "female"), ("en-GB", "male"), ("fr", "female"), ("fr-FR", "male")]
)
def test_espeak_speaks_each_language_and_voice_on_the_phone_line(
    settings, lang: str, voice_type: str
) -> None:
    settings.TTS_PROVIDER = "local"
    text = "Bonjour, votre commande est prête." if lang.startswith("fr") else "Hello, your order is ready."
    audio = tts.synthesize(text, lang, voice_type)
    samples = decoded(audio)
    assert 1.0 < len(audio) / 8000 < 4.0  # one byte a sample at 8 kHz: a second or two of speech
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 1000  # audible, not silence


def test_the_espeak_voice_follows_the_language_and_the_voice_type() -> None:
    assert tts.espeak_voice("en", "female") == "en-us+f2"
    assert tts.espeak_voice("en-GB", "male") == "en-us+m3"
    assert tts.espeak_voice("fr_FR", "male") == "fr+m3"
    assert tts.espeak_voice("es", "robot") == "es+f2"  # any language espeak-ng has; female by default


@needs_espeak
def test_blank_text_is_no_audio_and_an_unknown_voice_is_an_error(settings) -> None:
    settings.TTS_PROVIDER = "local"
    assert tts.synthesize("  ", "en") == b""
    with pytest.raises(tts.TTSError, match="espeak-ng"):
        tts.synthesize("hello", "xx")
    assert tts.synthesize("-5 degrees", "en")  # a leading dash is text, not an option


@needs_espeak
def test_a_reply_streams_sentence_by_sentence(settings) -> None:
    settings.TTS_PROVIDER = "local"
    timings, chunks = [], []
    started = time.perf_counter()
    for chunk in tts.synthesize_stream(REPLY, "en"):
        timings.append((time.perf_counter() - started) * 1000)
        chunks.append(chunk)
    whole = tts.synthesize(REPLY, "en")
    print(f"espeak-ng: first audio after {timings[0]:.0f} ms, the whole reply after {timings[-1]:.0f} ms")
    assert len(chunks) == 3
    assert abs(sum(map(len, chunks)) - len(whole)) < 0.6 * 8000  # the same speech, a pause or two apart
    assert timings[0] < 1000  # about 25 ms on a laptop


@needs_espeak
def test_round_trip_the_offline_recogniser_hears_what_espeak_says(settings) -> None:
    settings.TTS_PROVIDER = "local"
    recogniser = UtteranceRecognizer(HINTS, "en")
    for voice_type in ("female", "male"):
        said = decoded(tts.synthesize("I would like two margherita pizzas", "en", voice_type))
        heard = recogniser.recognize(utterance(on_line(said))).text
        assert {"two", "margherita"} <= set(heard.split()), (voice_type, heard)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello.", ["Hello."]),
        (
            REPLY,
            [
                "Sure, two margherita pizzas for delivery.",
                "That comes to twenty four euros.",
                "Anything else?",
            ],
        ),
        # French spacing before ! and ?, a title, a price, an ellipsis, a line break
        (
            "Bonjour M. Dupont ! Votre commande de 12.50 euros est prête. Merci… \nÀ bientôt",
            ["Bonjour M. Dupont !", "Votre commande de 12.50 euros est prête.", "Merci…", "À bientôt"],
        ),
        ('He said "yes." Then left.', ['He said "yes."', "Then left."]),
        ("", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert tts.sentences(text) == expected


def test_a_long_sentence_is_cut_at_its_commas() -> None:
    long = ", ".join(f"item number {n} with extra cheese and olives" for n in range(8)) + "."
    pieces = tts.sentences(long)
    assert len(pieces) > 1 and " ".join(pieces) == long
    assert all(len(piece) <= tts.LONG_SENTENCE for piece in pieces)


# --- OpenAI -------------------------------------------------------------------------------------------
class FakeSpeech:
    """Stands in for client.audio.speech: records the request, answers 24 kHz PCM."""

    def __init__(self, pcm: bytes | Exception) -> None:
        self.pcm = pcm
        self.requests: list[dict[str, Any]] = []
        self.clients: list[dict[str, Any]] = []  # the options each client was made with

    def create(self, **request: Any) -> SimpleNamespace:
        self.requests.append(request)
        if isinstance(self.pcm, Exception):
            raise self.pcm
        return SimpleNamespace(read=lambda: self.pcm)


@pytest.fixture
def openai_speech(monkeypatch, settings):
    settings.TTS_PROVIDER = "openai"
    tts._openai_kept.cache_clear()  # each test scripts its own provider answer

    def install(pcm: bytes | Exception) -> FakeSpeech:
        speech = FakeSpeech(pcm)

        def client(**options: Any) -> SimpleNamespace:
            speech.clients.append(options)
            return SimpleNamespace(audio=SimpleNamespace(speech=speech))

        monkeypatch.setattr(tts.openai, "OpenAI", client)
        return speech

    return install


def tone(hz: float, seconds: float, rate: int = 24000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def test_openai_pcm_is_brought_down_to_8_khz_mulaw(openai_speech, settings) -> None:
    speech = openai_speech(tone(1000, 0.5))
    audio = tts.synthesize("Your order is ready.", "en", "female")
    assert len(audio) == 4000  # 0.5 s at 8 kHz, one byte a sample
    samples = decoded(audio)
    assert dominant_hz(samples) == pytest.approx(1000, abs=5)
    assert np.sqrt(np.mean(samples[200:-200].astype(np.float64) ** 2)) == pytest.approx(
        8000 / np.sqrt(2), rel=0.05
    )
    [request] = speech.requests
    assert request == {
        "model": settings.OPENAI_TTS_MODEL,
        "voice": "marin",
        "input": "Your order is ready.",
        "response_format": "pcm",
    }
    [options] = speech.clients
    assert options["base_url"] == settings.OPENAI_BASE_URL and options["max_retries"] == 0


def test_openai_voice_by_voice_type_and_odd_bytes(openai_speech) -> None:
    speech = openai_speech(tone(440, 0.3) + b"\x01")  # a stray odd byte is dropped, not an error
    assert len(tts.synthesize("Bonjour.", "fr", "male")) == 2400
    assert len(tts.synthesize("Bonjour.", "fr", "coral")) == 2400  # a voice name goes through as is
    assert [request["voice"] for request in speech.requests] == ["cedar", "coral"]
    assert tts.pcm24k_to_pcmu(b"") == b"" and tts.pcm24k_to_pcmu(b"\x00") == b""


@needs_espeak
def test_an_openai_failure_falls_back_to_espeak(openai_speech) -> None:
    openai_speech(
        openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1/v1/audio/speech"))
    )
    audio = tts.synthesize("Your order is ready.", "en")
    assert len(audio) > 8000 * 0.8 and np.abs(decoded(audio)).max() > 1000
