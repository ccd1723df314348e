"""The text of a call recording, for the post-call analysis of calls the AI did not hold (a person
took the call, or the AI was off).

Two providers, chosen by STT_PROVIDER:
- "local" (the embedded default, offline): PocketSphinx, English only. Its generic language model
  turns phone audio into nonsense, so each recording is decoded with a small trigram model built
  from the store's own words (`hints`: catalog items, services, the store's name) and the usual
  ordering, booking and complaint phrases (ai.voice.lexicon builds it). Any other language is
  "unsupported_language".
- "openai": the audio transcription endpoint, any language, the hints as vocabulary.

transcribe_recording never raises for a provider or audio problem and never invents text: a
failure comes back as status "failed" with the reason, stored for staff.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import openai
import soundfile
from django.conf import settings
from django.utils.translation import get_language_info
from pocketsphinx import Decoder, Segmenter

from ai.voice.lexicon import DECODE_RATE, decoder_for

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

DONE = "done"
UNSUPPORTED_LANGUAGE = "unsupported_language"
FAILED = "failed"
OFFLINE_LANGUAGES = ("en",)  # the only acoustic model and dictionary the pocketsphinx wheel ships

SEGMENT_MARGIN = 0.5  # seconds kept around each speech segment: the VAD clips word edges
NOISE_FLOOR = 0.003  # about -50 dBFS, see _decode_segment
TONE_BAND_HZ, TONE_SHARE = 25, 0.6  # see _is_tone: speech puts 8-20 % of its energy in such a band
SPEECH_LEVEL = 0.4  # where the loud part of a voice is brought, relative to NOISE_FLOOR
SILENT_LEVEL = 0.01  # a channel quieter than this (about -40 dBFS) carries no one's voice
MAX_HINTS = 300
PROMPT_CHARS = 800
OPENAI_MAX_BYTES = 25 * 1024 * 1024  # the transcription endpoint's upload limit


@dataclass(frozen=True)
class Transcription:
    status: str  # DONE | UNSUPPORTED_LANGUAGE | FAILED
    text: str  # "" unless done; never invented
    provider: str  # "openai" | "pocketsphinx" | "" (none ran)
    reason: str  # why, for staff, when not done
    language: str


def transcribe_recording(path: str, *, language: str, hints: Sequence[str] = ()) -> Transcription:
    """Transcribe a recording (mp3 or wav, mono or dual channel) in `language` (ISO 639-1,
    "en-US" accepted). `hints` are names likely to be spoken: they steer both providers."""
    code = _language_code(language)
    started = time.monotonic()
    if not Path(path).is_file():
        result = _failed("", code, f"recording not found: {path}")
    elif settings.STT_PROVIDER == "openai":
        result = _transcribe_openai(path, code, hints)
    else:
        result = _transcribe_offline(path, code, hints)
    log.info(
        "transcription of %s: %s by %s in %.1f s%s",
        Path(path).name,
        result.status,
        result.provider or "-",
        time.monotonic() - started,
        f" ({result.reason})" if result.reason else "",
    )
    return result


def _language_code(language: str) -> str:
    return language.replace("_", "-").split("-")[0].strip().lower()


def _failed(provider: str, language: str, reason: str) -> Transcription:
    return Transcription(FAILED, "", provider, reason[:500], language)


# --- OpenAI --------------------------------------------------------------------------------------
def _transcribe_openai(path: str, language: str, hints: Sequence[str]) -> Transcription:
    model = settings.OPENAI_TRANSCRIPTION_MODEL
    client = openai.OpenAI(
        api_key=settings.OPENAI_API_KEY or "missing",
        base_url=settings.OPENAI_BASE_URL,
        timeout=settings.OPENAI_TRANSCRIPTION_TIMEOUT,
        max_retries=settings.OPENAI_TRANSCRIPTION_MAX_RETRIES,
    )
    if Path(path).stat().st_size > OPENAI_MAX_BYTES:
        return _failed("openai", language, "recording larger than the 25 MB OpenAI accepts")
    names = _clean_hints(hints)
    options: dict[str, Any] = {}
    if language:
        options["language"] = language
    if names and model.startswith("gpt-transcribe"):
        options["keywords"] = names[:100]  # the newer model takes a word list instead of a prompt
    elif names:
        options["prompt"] = _vocabulary_prompt(names)
    try:
        with open(path, "rb") as audio:  # the SDK sends the file name: the API reads the format from it
            result = client.audio.transcriptions.create(
                model=model, file=audio, response_format="json", **options
            )
    except OSError as exc:
        return _failed("openai", language, f"recording unreadable: {exc}")
    except openai.APIStatusError as exc:
        detail = exc.body.get("message") if isinstance(exc.body, dict) else None
        return _failed("openai", language, f"OpenAI answered {exc.status_code}: {detail or exc.message}")
    except openai.APITimeoutError:
        return _failed("openai", language, "OpenAI did not answer in time")
    except openai.OpenAIError as exc:
        return _failed("openai", language, f"OpenAI unreachable: {type(exc).__name__}: {exc}")
    return Transcription(DONE, result.text.strip(), "openai", "", language)


def _vocabulary_prompt(names: Sequence[str]) -> str:
    # The prompt is a spelling guide, not an instruction: a short list of the names we expect.
    prompt = "A phone call to a local business. Names that may be spoken: "
    for name in names:
        if len(prompt) + len(name) + 2 > PROMPT_CHARS:
            break
        prompt += name + ", "
    return prompt.rstrip(", ") + "."


def _clean_hints(hints: Iterable[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for hint in hints:
        name = " ".join(str(hint).split())
        if name and name.lower() not in seen and len(names) < MAX_HINTS:
            names.append(name)
            seen.add(name.lower())
    return names


# --- offline: PocketSphinx --------------------------------------------------------------------------
def _transcribe_offline(path: str, language: str, hints: Sequence[str]) -> Transcription:
    if language not in OFFLINE_LANGUAGES:
        return Transcription(UNSUPPORTED_LANGUAGE, "", "", _unsupported_reason(language), language)
    try:
        channels, rate = _read_channels(path)
    except (OSError, RuntimeError, ValueError) as exc:
        return _failed("pocketsphinx", language, f"could not decode the recording: {exc}")
    try:
        decoder = decoder_for(_clean_hints(hints))
        turns = [
            (start, _decode_segment(decoder, channel[first:last], rate))
            for channel in channels
            for start, first, last in _speech_segments(channel, rate)
            if not _is_tone(channel[first:last], rate)
        ]
    except (RuntimeError, ValueError) as exc:  # what pocketsphinx raises on a bad model or input
        return _failed("pocketsphinx", language, f"pocketsphinx failed: {exc}")
    text = "\n".join(words for _, words in sorted(turns) if words)
    return Transcription(DONE, text, "pocketsphinx", "" if text else "no speech recognised", language)


def _unsupported_reason(language: str) -> str:
    if not language:
        return "The recording's language is unknown; offline transcription is English only."
    try:
        name = get_language_info(language)["name"]
    except KeyError:
        name = language
    return f"No offline transcription for {name}; set STT_PROVIDER=openai."


def _read_channels(path: str) -> tuple[list[NDArray[np.float32]], int]:
    """Each channel on its own (dual-channel recordings put each party on one), level-normalised."""
    # libsndfile >= 1.1 (bundled in the soundfile wheel) reads mp3 as well as wav.
    data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    if rate not in (8000, 16000, 32000, 48000):  # the rates the VAD takes as they are
        data = np.stack([_resample(data[:, n], rate, DECODE_RATE) for n in range(data.shape[1])], axis=1)
        rate = DECODE_RATE
    channels: list[NDArray[np.float32]] = []
    for n in range(data.shape[1]):
        channel = np.ascontiguousarray(data[:, n])
        # The level of the loud part of the signal, not its peak: one click must not hush a voice.
        level = float(np.quantile(np.abs(channel), 0.999)) if channel.size else 0.0
        if level >= SILENT_LEVEL:
            channels.append(channel * (0.55 / level))
    return channels, int(rate)


def _speech_segments(channel: NDArray[np.float32], rate: int) -> list[tuple[float, int, int]]:
    """(start seconds, first sample, end sample) of each stretch of speech, margins included,
    overlapping stretches merged."""
    segmenter = Segmenter(sample_rate=rate)
    spans: list[list[int]] = []
    margin = int(SEGMENT_MARGIN * rate)
    for segment in segmenter.segment(io.BytesIO(_pcm16(channel))):
        first = max(0, int(segment.start_time * rate) - margin)
        last = min(len(channel), int(segment.end_time * rate) + margin)
        if spans and first <= spans[-1][1]:
            spans[-1][1] = last
        else:
            spans.append([first, last])
    return [(first / rate, first, last) for first, last in spans]


def _is_tone(segment: NDArray[np.float32], rate: int) -> bool:
    """A beep (the recording tone, a dial tone, a key press) passes the VAD but is nobody's words:
    its energy sits within a few hertz of one frequency, where speech spreads over many."""
    power = np.abs(np.fft.rfft(segment)) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return True
    peak, width = int(np.argmax(power)), max(1, int(TONE_BAND_HZ * len(segment) / rate))
    return float(power[max(0, peak - width) : peak + width + 1].sum()) / total > TONE_SHARE


def _decode_segment(decoder: Decoder, segment: NDArray[np.float32], rate: int) -> str:
    pad = np.zeros(int(SEGMENT_MARGIN * DECODE_RATE), dtype=np.float32)
    audio = np.concatenate([pad, _resample(segment, rate, DECODE_RATE), pad])
    # Digital silence and an empty band above 4 kHz (8 kHz phone audio) throw off the decoder's
    # noise and cepstral-mean estimates; a faint, fixed noise floor, like a real line's, fixes it.
    noise = np.random.default_rng(len(audio)).normal(0.0, NOISE_FLOOR, len(audio)).astype(np.float32)
    decoder.start_utt()
    decoder.process_raw(_pcm16(audio + noise), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr.strip() if hypothesis is not None else ""


def _resample(signal: NDArray[np.float32], rate: int, target: int) -> NDArray[np.float32]:
    """Band-limited resampling through the spectrum (exact for the short stretches we decode)."""
    if rate == target or not len(signal):
        return signal
    count = max(1, round(len(signal) * target / rate))
    spectrum = np.fft.rfft(signal)
    kept = np.zeros(count // 2 + 1, dtype=spectrum.dtype)
    width = min(len(spectrum), len(kept))
    kept[:width] = spectrum[:width]
    return (np.fft.irfft(kept, count) * (count / len(signal))).astype(np.float32)


def _pcm16(signal: NDArray[np.float32]) -> bytes:
    return (np.clip(signal, -1.0, 1.0) * 32767).astype("<i2").tobytes()
