"""The assistant's voice on a phone line: text in, 8 kHz G.711 μ-law (PCMU) out.

Two providers, chosen by TTS_PROVIDER:
- "local" (the default, offline): espeak-ng, robotic but instant (a sentence in ~20-40 ms);
- "openai": audio.speech (OPENAI_TTS_MODEL), natural, a network round trip per sentence.
  A failure of OpenAI falls back to espeak-ng so the caller still hears the reply.

synthesize_stream yields the reply sentence by sentence, so the first sentence plays while the
next ones are synthesised.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import openai
from django.conf import settings

from ai.transcription import _resample
from ai.voice.codecs import CODECS

log = logging.getLogger(__name__)

RATE = 8000
OPENAI_PCM_RATE = 24000  # response_format="pcm": 24 kHz, 16-bit little-endian, mono
ESPEAK_TIMEOUT = 10.0
ESPEAK_VOICES = {"en": "en-us", "fr": "fr"}  # any other language: espeak-ng's voice of that code
ESPEAK_VARIANTS = {"female": "+f2", "male": "+m3"}  # +f3 is shriller, and misheard more
OPENAI_VOICES = {"female": "marin", "male": "cedar"}  # any other voice_type is taken as a voice name
ESPEAK_SPEED = 165  # words per minute; espeak's 175 is hurried on a phone line


class TTSError(RuntimeError):
    """No audio could be made for the text (no espeak-ng, an unknown voice, a provider error)."""


def synthesize(text: str, lang: str, voice_type: str = "female") -> bytes:
    """`text` spoken in `lang` ("fr", "en-GB"…) as 8 kHz μ-law bytes, b"" for blank text.

    The same sentences come back call after call (the greeting, "Anything else?"): what a
    provider made is kept, so a busy hour does not run espeak or the speech API again for each
    caller. A fallback is not kept: the next call tries OpenAI again."""
    if not text.strip():
        return b""
    if getattr(settings, "TTS_PROVIDER", "local") == "openai":
        try:
            return _openai_kept(text, voice_type)
        except openai.OpenAIError as exc:
            log.warning("OpenAI speech failed (%s: %s): falling back to espeak-ng", type(exc).__name__, exc)
    return _espeak_kept(text, lang, voice_type)


def openai_speech(text: str, voice: str) -> bytes:
    """OpenAI's speech of `text` in `voice` (a voice_type or a voice name) as 8 kHz μ-law, kept
    like a call's: the settings page's sample repeated does not call OpenAI again."""
    return _openai_kept(text, voice)


@lru_cache(maxsize=512)
def _openai_kept(text: str, voice_type: str) -> bytes:
    return _openai(text, voice_type)


@lru_cache(maxsize=512)
def _espeak_kept(text: str, lang: str, voice_type: str) -> bytes:
    return _espeak(text, lang, voice_type)


def synthesize_stream(text: str, lang: str, voice_type: str = "female") -> Iterator[bytes]:
    """synthesize(), one sentence at a time: the first audio is ready after one sentence."""
    for sentence in sentences(text):
        audio = synthesize(sentence, lang, voice_type)
        if audio:
            yield audio


# --- sentences --------------------------------------------------------------------------------------
_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"»”)])\s+|\n+")
# "M. Dupont", "Dr. Who", "St. James": a full stop that ends a title, not a sentence.
_TITLES = {"m", "mm", "mme", "mlle", "mr", "mrs", "ms", "dr", "st", "vs"}
LONG_SENTENCE = 160  # characters: past this, a sentence is cut at its commas too


def sentences(text: str) -> list[str]:
    """The sentences of `text`, in order; a long one cut at commas and semicolons."""
    pieces: list[str] = []
    for part in _END.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        if pieces and _ends_with_title(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {part}"
        else:
            pieces.append(part)
    out: list[str] = []
    for piece in pieces:
        out.extend(_cut_long(piece) if len(piece) > LONG_SENTENCE else [piece])
    return out


def _ends_with_title(piece: str) -> bool:
    word = piece.rsplit(None, 1)[-1]
    return word.endswith(".") and word[:-1].lower().strip('("«') in _TITLES


def _cut_long(sentence: str) -> list[str]:
    chunks: list[str] = []
    for clause in re.split(r"(?<=[,;:])\s+", sentence):
        if chunks and len(chunks[-1]) + len(clause) < LONG_SENTENCE // 2:
            chunks[-1] = f"{chunks[-1]} {clause}"  # no tiny chunks: each one costs a pause
        else:
            chunks.append(clause)
    return chunks


# --- espeak-ng --------------------------------------------------------------------------------------
def espeak_voice(lang: str, voice_type: str) -> str:
    code = lang.replace("_", "-").split("-")[0].strip().lower() or "en"
    return ESPEAK_VOICES.get(code, code) + ESPEAK_VARIANTS.get(voice_type, ESPEAK_VARIANTS["female"])


def _espeak(text: str, lang: str, voice_type: str) -> bytes:
    program = shutil.which("espeak-ng")
    if program is None:
        raise TTSError("espeak-ng is not installed")
    voice = espeak_voice(lang, voice_type)
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program; the text is one argument, no shell
            [program, "-v", voice, "-s", str(ESPEAK_SPEED), "--stdout", "--", text],
            capture_output=True,
            timeout=ESPEAK_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise TTSError(f"espeak-ng failed: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
        raise TTSError(f"espeak-ng ({voice}): {detail}")
    samples, rate = _wav_samples(done.stdout)
    return pcmu(samples, rate)


def _wav_samples(wav: bytes) -> tuple[np.ndarray, int]:
    """16-bit mono samples and rate of espeak-ng's WAV. Parsed by hand: on a pipe espeak-ng writes
    placeholder sizes (0x7fffffff) that the wave module refuses."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise TTSError("espeak-ng wrote no WAV")
    position, rate = 12, 0
    while position + 8 <= len(wav):
        chunk, size = wav[position : position + 4], int.from_bytes(wav[position + 4 : position + 8], "little")
        body = position + 8
        if chunk == b"fmt ":
            channels = int.from_bytes(wav[body + 2 : body + 4], "little")
            rate = int.from_bytes(wav[body + 4 : body + 8], "little")
            bits = int.from_bytes(wav[body + 14 : body + 16], "little")
            if (channels, bits) != (1, 16):
                raise TTSError(f"espeak-ng wrote {channels} channel(s) of {bits}-bit audio")
        elif chunk == b"data":
            data = wav[body:]
            data = data[: len(data) - len(data) % 2]
            if not rate:
                raise TTSError("espeak-ng's WAV has no format chunk")
            return np.frombuffer(data, dtype="<i2"), rate
        position = body + size + (size & 1)
    raise TTSError("espeak-ng's WAV has no data")


# --- OpenAI -----------------------------------------------------------------------------------------
def _openai(text: str, voice_type: str) -> bytes:
    client = openai.OpenAI(
        api_key=settings.OPENAI_API_KEY or "missing",
        base_url=settings.OPENAI_BASE_URL,
        timeout=getattr(settings, "OPENAI_TTS_TIMEOUT", 10.0),
        max_retries=0,  # a caller is waiting: the espeak-ng fallback beats a retry
    )
    voices = getattr(settings, "OPENAI_TTS_VOICES", OPENAI_VOICES)
    response = client.audio.speech.create(
        model=getattr(settings, "OPENAI_TTS_MODEL", "gpt-4o-mini-tts"),
        voice=voices.get(voice_type, voice_type),
        input=text,
        response_format="pcm",
    )
    return pcm24k_to_pcmu(response.read())


def pcm24k_to_pcmu(pcm: bytes) -> bytes:
    """OpenAI's "pcm" (24 kHz, 16-bit little-endian, mono) as 8 kHz μ-law."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
    return pcmu(samples, OPENAI_PCM_RATE)


# --- to the phone line ------------------------------------------------------------------------------
def pcmu(samples: np.ndarray, rate: int) -> bytes:
    """16-bit samples at `rate` → 8 kHz μ-law: band-limited resampling (the spectrum cut at
    4 kHz, so no aliasing) and G.711 encoding."""
    if not len(samples):
        return b""
    audio = _resample(samples.astype(np.float32) / 32768.0, rate, RATE)
    pcm16 = np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16)
    return CODECS["PCMU"].encode(pcm16)
