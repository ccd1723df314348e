"""Caller audio for the media-stream simulator: 8 kHz mono G.711 μ-law (PCMU) bytes, 8 bytes a millisecond,
which is what Telnyx sends in `media` frames (160 bytes per 20 ms frame).

- `speech_ulaw(text, lang)`: real synthesized speech (espeak-ng → WAV, then sox → raw μ-law), so a voice
  activity detector or a speech recogniser on the app's side hears something speech-like. Cached on disk per
  (text, lang, voice, speed): synthesis costs tens of milliseconds and tests repeat the same phrases.
- `tone_ulaw(ms, hz)`, `silence_ulaw(ms)`: computed here, no external tool needed.
- `cough_ulaw()`: a ~250 ms noise burst with a sharp attack and a decay (sox), a non-speech sound that
  still carries energy, to see whether the app mistakes it for the caller talking.

`have_speech_tools()` tells whether espeak-ng and sox are installed (tests skip otherwise).
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

SAMPLE_RATE = 8000
BYTES_PER_MS = SAMPLE_RATE // 1000
ULAW_SILENCE = 0xFF  # μ-law code of a zero sample

# espeak-ng voice names for the languages we call in; anything else is passed through as given.
_VOICES = {"en": "en-us", "fr": "fr-fr", "de": "de", "es": "es", "it": "it"}
_CACHE_DIR = Path(tempfile.gettempdir()) / "kalliky-speech-cache"
_memory: dict[tuple[str, ...], bytes] = {}
_memory_lock = threading.Lock()


def have_speech_tools() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def silence_ulaw(ms: int) -> bytes:
    return bytes([ULAW_SILENCE]) * (ms * BYTES_PER_MS)


def tone_ulaw(ms: int, hz: float = 440, *, amplitude: int = 8000) -> bytes:
    """A sine tone; `amplitude` on the 16-bit linear scale (8000 ≈ -12 dBFS: well above a VAD's floor)."""
    return bytes(
        linear_to_ulaw(int(amplitude * math.sin(2 * math.pi * hz * n / SAMPLE_RATE)))
        for n in range(ms * BYTES_PER_MS)
    )


# G.711 μ-law as in the ITU reference code (g711.c): 14-bit magnitude, bias 33, eight segments.
_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)


def linear_to_ulaw(sample: int) -> int:
    value = sample >> 2
    mask = 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, 8159) + 33
    segment = next((i for i, end in enumerate(_SEGMENT_ENDS) if value <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


def speech_ulaw(text: str, lang: str = "en", *, voice: str | None = None, speed: int | None = None) -> bytes:
    """`text` spoken by espeak-ng in `lang` (or the espeak-ng `voice`, e.g. "fr+f3"), `speed` in words a
    minute (espeak-ng's default is 175), as raw 8 kHz μ-law."""
    espeak_voice = voice or _VOICES.get(lang, lang)
    args = ["-v", espeak_voice] + (["-s", str(int(speed))] if speed is not None else [])
    # The text goes in on stdin: as an argument, one starting with "-" would be read as an option.
    key = ("speech", text, espeak_voice, str(speed))
    return _cached(key, ["espeak-ng", *args, "-w", "{wav}"], stdin=text)


def cough_ulaw() -> bytes:
    """About 250 ms of band-limited noise: 8 ms attack, then an exponential-ish decay (sox's `fade q`)."""
    synth = ["synth", "0.25", "pinknoise", "sinc", "250-2500", "fade", "q", "0.008", "0.25", "0.2"]
    synth += ["gain", "-3"]
    return _cached(("cough", *synth), ["sox", "-n", "-r", "16000", "-c", "1", "{wav}", *synth])


def _cached(key: tuple[str, ...], make_wav: list[str], *, stdin: str | None = None) -> bytes:
    """Run `make_wav` ("{wav}" stands for the WAV it writes), convert that to raw μ-law, cache both ways."""
    with _memory_lock:
        if key in _memory:
            return _memory[key]
    if not have_speech_tools():
        raise RuntimeError("espeak-ng and sox are needed (make system-deps installs them)")
    digest = hashlib.sha256("\x00".join(key).encode()).hexdigest()[:32]
    target = _CACHE_DIR / f"{digest}.ul"
    if not target.exists():
        _CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=_CACHE_DIR) as work:
            wav, raw = os.path.join(work, "in.wav"), os.path.join(work, "out.ul")
            command = [wav if arg == "{wav}" else arg for arg in make_wav]
            subprocess.run(command, input=stdin, text=True, check=True, capture_output=True, timeout=30)
            subprocess.run(
                ["sox", wav, "-r", str(SAMPLE_RATE), "-c", "1", "-e", "u-law", "-t", "raw", raw],
                check=True,
                capture_output=True,
                timeout=30,
            )
            os.replace(raw, target)  # atomic: a parallel test run never reads half a file
    audio = target.read_bytes()
    with _memory_lock:
        _memory[key] = audio
    return audio
