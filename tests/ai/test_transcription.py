"""Recording transcription, on real speech: espeak-ng says what a caller would, sox turns it into
8 kHz phone audio (wav and mp3, mono and dual channel), and the offline provider must hear the key
words. The OpenAI provider goes through the real SDK to the local fake."""

from __future__ import annotations

import io
import shutil
import subprocess
import urllib.request
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import telnyx

from ai import transcription
from ai.transcription import FAILED, UNSUPPORTED_LANGUAGE, transcribe_recording
from ai.voice import lexicon
from ai.voice.lexicon import pronounce
from tests.fakes.openai import FakeOpenAI, error, hang, transcript
from tests.fakes.telnyx import FakeTelnyx
from tests.fakes.telnyx.calls import MP3_BYTES, wav_bytes
from tests.system_tools import needs

# What alice's pizzeria would pass: catalog items, categories and the store's name.
HINTS = ["Margherita", "Pepperoni", "Calzone", "Tiramisu", "Coke", "Garlic bread", "Pizzas", "Pizzeria Alice"]
ORDER = "I would like two large margherita pizzas for delivery"
TOOLS = {tool: shutil.which(tool) for tool in ("espeak-ng", "sox")}
# The recordings are wav and mp3, so sox needs its mp3 format too.
needs_speech = needs("espeak-ng", "sox", "sox-mp3")

Say = Callable[..., Path]


@pytest.fixture
def say(tmp_path: Path) -> Say:
    """say(sentence, ext="wav"|"mp3", voice="en-us") → an 8 kHz mono phone recording with half a
    second of silence at each end, as a recording would have."""

    def synthesise(sentence: str, *, ext: str = "wav", voice: str = "en-us", name: str = "") -> Path:
        stem = tmp_path / (name or f"speech-{len(list(tmp_path.iterdir()))}")
        raw = stem.with_suffix(".raw.wav")
        subprocess.run([TOOLS["espeak-ng"], "-v", voice, "-w", str(raw), sentence], check=True)
        out = stem.with_suffix(f".{ext}")
        encoding = ["-C", "32"] if ext == "mp3" else ["-b", "16"]  # 32 kb/s mp3, 16-bit PCM wav
        run_sox(str(raw), "-r", "8000", "-c", "1", *encoding, str(out), "pad", "0.5", "0.5")
        return out

    return synthesise


def run_sox(*arguments: str) -> None:
    # -R: the same dither noise on every run, so a test hears the same audio each time; -V1: quiet.
    subprocess.run([TOOLS["sox"], "-R", "-V1", *arguments], check=True)


def words(text: str) -> set[str]:
    return set(text.split())


# --- offline (PocketSphinx) ----------------------------------------------------------------------
@needs_speech
@pytest.mark.parametrize("ext", ["wav", "mp3"])
def test_an_english_order_is_heard_offline(say: Say, ext: str) -> None:
    result = transcribe_recording(str(say(ORDER, ext=ext)), language="en-US", hints=HINTS)
    assert (result.status, result.provider, result.language) == ("done", "pocketsphinx", "en")
    assert result.reason == ""
    assert {"two", "large", "margherita", "delivery"} <= words(result.text), result.text


@needs_speech
def test_a_booking_is_heard_offline(say: Say) -> None:
    booking = "I would like to book a table for four people tomorrow at eight"
    result = transcribe_recording(str(say(booking, ext="mp3")), language="en", hints=HINTS)
    assert {"book", "table", "four", "people", "tomorrow", "eight"} <= words(result.text), result.text


@needs_speech
def test_each_party_of_a_dual_channel_recording_in_turn(say: Say, tmp_path: Path) -> None:
    # The caller on the left channel, then the person who answered on the right, 4 s later.
    caller = say(ORDER, name="caller")
    staff = say("Is that all? Your order will be ready in twenty minutes", name="staff")
    run_sox(str(caller), str(tmp_path / "left.wav"), "pad", "0", "5")
    run_sox(str(staff), str(tmp_path / "right.wav"), "pad", "4", "0")
    run_sox("-M", str(tmp_path / "left.wav"), str(tmp_path / "right.wav"), str(tmp_path / "call.wav"))
    run_sox(str(tmp_path / "call.wav"), "-C", "32", str(tmp_path / "call.mp3"))
    for recording in ("call.wav", "call.mp3"):
        result = transcribe_recording(str(tmp_path / recording), language="en", hints=HINTS)
        first, second = result.text.split("\n")
        assert {"margherita", "delivery"} <= words(first), result.text
        assert {"order", "ready", "twenty"} <= words(second), result.text


@needs_speech
def test_french_is_not_transcribed_offline_and_nothing_is_made_up(say: Say) -> None:
    french = say("Bonjour, je voudrais deux pizzas margherita à emporter", voice="fr")
    result = transcribe_recording(str(french), language="fr", hints=HINTS)
    assert (result.status, result.text, result.provider) == (UNSUPPORTED_LANGUAGE, "", "")
    assert result.language == "fr"
    assert result.reason == "No offline transcription for French; set STT_PROVIDER=openai."


def test_beeps_and_silence_give_no_words(tmp_path: Path) -> None:
    # The Telnyx simulator's stand-in recordings: a 440 Hz tone (wav) and silent mp3 frames.
    for name, audio in (("tone.wav", wav_bytes(2)), ("silence.mp3", MP3_BYTES)):
        (tmp_path / name).write_bytes(audio)
        result = transcribe_recording(str(tmp_path / name), language="en", hints=HINTS)
        assert (result.status, result.text, result.reason) == ("done", "", "no speech recognised")


def test_an_unreadable_or_missing_recording_fails_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "call.mp3").write_bytes(b"<html>not a recording</html>")
    broken = transcribe_recording(str(tmp_path / "call.mp3"), language="en")
    assert (broken.status, broken.provider, broken.text) == (FAILED, "pocketsphinx", "")
    assert broken.reason.startswith("could not decode the recording: ")
    missing = transcribe_recording(str(tmp_path / "gone.wav"), language="en")
    assert (missing.status, missing.provider) == (FAILED, "")
    assert missing.reason == f"recording not found: {tmp_path / 'gone.wav'}"


def test_words_missing_from_the_dictionary_get_pronunciations(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "margheritas" in lexicon.corpus(["Margherita"])
    assert "two large margheritas" in lexicon.corpus(["Margherita"])
    assert lexicon.words_of("Crème brûlée & 7up") == ["creme", "brulee", "and", "seven", "up"]
    if TOOLS["espeak-ng"]:
        assert pronounce("margherita") == "M AA R G ER IY T AH"  # espeak-ng's rules, in ARPAbet
    lexicon._espeak_phones.cache_clear()
    monkeypatch.setattr(lexicon.shutil, "which", lambda name: None)  # a server without espeak-ng
    assert pronounce("calzone") == "K AA L Z OW N"
    lexicon._espeak_phones.cache_clear()


# --- OpenAI ---------------------------------------------------------------------------------------
@pytest.fixture
def openai_fake(settings) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        settings.STT_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = fake.api_key
        settings.OPENAI_TRANSCRIPTION_MAX_RETRIES = 0
        settings.OPENAI_TRANSCRIPTION_TIMEOUT = 5.0
        yield fake


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "call-42.wav"
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(2)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes(8000 * 4))
    path.write_bytes(out.getvalue())
    return path


def test_openai_transcribes_any_language_with_the_store_names_as_vocabulary(
    openai_fake: FakeOpenAI, recording: Path, settings
) -> None:
    openai_fake.queue_transcriptions(transcript("Bonjour, je voudrais deux margherita à emporter."))
    result = transcribe_recording(str(recording), language="fr-FR", hints=["Margherita", "Pizzeria Alice"])
    assert result == transcription.Transcription(
        "done", "Bonjour, je voudrais deux margherita à emporter.", "openai", "", "fr"
    )
    [request] = openai_fake.transcription_requests
    assert request.body["model"] == settings.OPENAI_TRANSCRIPTION_MODEL == "gpt-4o-mini-transcribe"
    assert (request.body["language"], request.body["response_format"]) == ("fr", "json")
    assert request.body["prompt"].endswith("Names that may be spoken: Margherita, Pizzeria Alice.")
    upload = request.files["file"]
    assert upload.filename == "call-42.wav" and upload.data == recording.read_bytes()
    assert openai_fake.pending == 0


def test_the_newer_model_gets_the_names_as_keywords(
    openai_fake: FakeOpenAI, recording: Path, settings
) -> None:
    settings.OPENAI_TRANSCRIPTION_MODEL = "gpt-transcribe"
    openai_fake.queue_transcriptions(transcript("Two calzones."))
    result = transcribe_recording(str(recording), language="en", hints=["Calzone", "calzone", "Coke"])
    assert result.text == "Two calzones."
    [request] = openai_fake.transcription_requests
    assert request.body["keywords"] == ["Calzone", "Coke"] and "prompt" not in request.body


def test_openai_failures_are_reported_not_raised(openai_fake: FakeOpenAI, recording: Path, settings) -> None:
    settings.OPENAI_TRANSCRIPTION_TIMEOUT = 0.5
    openai_fake.queue_transcriptions(error(500, "The server had an error"), hang(2))
    failed = transcribe_recording(str(recording), language="en")
    assert (failed.status, failed.text, failed.provider, failed.language) == (FAILED, "", "openai", "en")
    assert failed.reason == "OpenAI answered 500: The server had an error"
    assert transcribe_recording(str(recording), language="en").reason == "OpenAI did not answer in time"
    settings.OPENAI_API_KEY = "sk-wrong"
    refused = transcribe_recording(str(recording), language="en")
    assert refused.reason == "OpenAI answered 401: Incorrect API key provided."


# --- the Telnyx simulator's recordings --------------------------------------------------------------
@needs_speech
def test_a_recording_downloaded_from_the_simulator_is_transcribed(say: Say, tmp_path: Path) -> None:
    wav, mp3 = say(ORDER, name="order"), say(ORDER, ext="mp3", name="order")
    with FakeTelnyx() as fake:
        client = telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
        call = fake.place_call(from_="+447700900123", to="+442079460000")
        call.recording_audio = (wav.read_bytes(), mp3.read_bytes())
        client.calls.actions.answer(call.call_control_id)
        client.calls.actions.start_recording(call.call_control_id, format="mp3", channels="single")
        call.hang_up()
        fake.drain()
        [saved] = [e["data"]["payload"] for e in call.events if e["data"]["event_type"].endswith("saved")]
        with urllib.request.urlopen(saved["recording_urls"]["mp3"]) as response:
            (tmp_path / "downloaded.mp3").write_bytes(response.read())
    result = transcribe_recording(str(tmp_path / "downloaded.mp3"), language="en", hints=HINTS)
    assert {"margherita", "delivery"} <= words(result.text), result.text
