"""The assistant tab in plain words: the voice and the language picked from lists, a "Listen"
sample served as WAV by the same synthesis a call uses (the engine replaced in most tests;
espeak-ng itself and the OpenAI fake in the last two)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from ai.voice import tts
from ai.voice.codecs import CODECS
from tests.fakes.openai import FakeOpenAI
from tests.system_tools import needs_speech

pytestmark = pytest.mark.django_db

PREVIEW = "/stores/{}/assistant/voice-preview/"


@pytest.fixture
def spoken(monkeypatch):  # noqa: ANN201
    said: list[tuple[str, str, str]] = []

    def fake_synthesize(text: str, lang: str, voice_type: str = "female") -> bytes:
        said.append((text, lang, voice_type))
        return CODECS["PCMU"].encode(np.zeros(800, dtype="int16"))

    monkeypatch.setattr(tts, "synthesize", fake_synthesize)
    return said


def test_the_sample_is_a_wav_in_the_store_language(alice_client, pizzeria, spoken):
    response = alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": "male"})
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (8000, 1, 800)
    text, lang, voice = spoken[0]
    assert (lang, voice) == ("fr", "male") and "Bonjour" in text and pizzeria.name in text


def test_an_unknown_voice_is_refused(alice_client, pizzeria, spoken):
    assert alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": "robot"}).status_code == 400
    assert (
        alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": "marin", "provider": "x"}).status_code == 400
    )
    assert spoken == []


def test_without_a_speech_engine_the_sample_says_so(alice_client, pizzeria, monkeypatch):
    def no_engine(*_args: object) -> bytes:
        raise tts.TTSError("espeak-ng is not installed")

    monkeypatch.setattr(tts, "synthesize", no_engine)
    response = alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": "female"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and b"speech engine" in response.content


def test_carol_cannot_hear_alices_store(carol_client, pizzeria, spoken):
    assert carol_client.get(PREVIEW.format(pizzeria.pk), {"voice": "female"}).status_code == 404
    assert spoken == []


def test_the_tab_speaks_plain_words_and_lists_voices_and_languages(alice_client, pizzeria, settings):
    settings.OPENAI_API_KEY = ""
    page = alice_client.get(f"/stores/{pizzeria.pk}/settings/?tab=assistant", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "Qui répond : assistant local ou OpenAI" in html
    assert "Attente avant de répondre (silence en fin de phrase)" in html
    assert '<select name="voice_type"' in html and '<select name="language"' in html
    assert ">English</option>" in html and ">Français</option>" in html
    assert "data-voice-preview" in html
    assert 'name="voice_style"' not in html  # no OpenAI: its voices are not offered
    settings.OPENAI_API_KEY = "sk-test"
    html = alice_client.get(f"/stores/{pizzeria.pk}/settings/?tab=assistant").content.decode()
    assert '<select name="voice_style"' in html


def test_the_store_phone_is_asked_in_plain_words(alice_client, pizzeria):
    html = alice_client.get(
        f"/stores/{pizzeria.pk}/settings/?tab=details", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Numéro de téléphone (ex. +33 6 12 34 56 78)" in html and "E.164" not in html


def test_with_openai_the_sample_uses_its_voice(alice_client, pizzeria, settings, monkeypatch, spoken):
    settings.OPENAI_API_KEY = "sk-test"
    asked: list[tuple[str, str]] = []

    def fake_openai(text: str, voice: str) -> bytes:
        asked.append((text, voice))
        return CODECS["PCMU"].encode(np.zeros(400, dtype="int16"))

    monkeypatch.setattr(tts, "_openai_kept", fake_openai)
    response = alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": "coral", "provider": "openai"})
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert asked[0][1] == "coral" and spoken == []


def _rms(wav_bytes: bytes) -> tuple[float, float]:
    """Seconds and loudness (RMS, 16-bit scale) of a WAV."""
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    samples = np.frombuffer(frames, dtype="<i2").astype("float64")
    return seconds, float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


@needs_speech
def test_the_sample_is_spoken_by_espeak_in_each_voice(alice_client, pizzeria):
    """The real offline synthesis: a second or more of audible speech, a different take per voice."""
    heard = {}
    for voice in ("female", "male"):
        response = alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": voice})
        assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
        seconds, loudness = _rms(response.content)
        assert seconds > 1.0 and loudness > 300, (voice, seconds, loudness)
        heard[voice] = response.content
    assert heard["female"] != heard["male"]


def test_with_openai_configured_the_sample_is_openais_voice(alice_client, pizzeria, settings):
    """The provider's voice through the real SDK, against the local OpenAI fake (wire-accurate)."""
    tts._openai_kept.cache_clear()  # noqa: SLF001 - the cache outlives a test
    with FakeOpenAI() as fake:
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = fake.api_key
        response = alice_client.get(PREVIEW.format(pizzeria.pk), {"voice": "coral", "provider": "openai"})
        assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
        asked = fake.speech_requests
    tts._openai_kept.cache_clear()  # noqa: SLF001
    assert len(asked) == 1 and asked[0]["voice"] == "coral" and pizzeria.name in asked[0]["input"]
    seconds, _loudness = _rms(response.content)
    assert seconds > 0
