"""Phone audio for the voice tests: espeak-ng says it, sox makes it 8 kHz μ-law (optionally through
a PSTN-like 300 Hz high-pass), a quiet line noise is added and it is decoded back to int16, as the
media stream would deliver it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ai.voice.codecs import CODECS
from ai.voice.vad import EnergyVad
from tests.system_tools import needs_speech

TOOLS = {tool: shutil.which(tool) for tool in ("espeak-ng", "sox")}
needs_audio_tools = needs_speech
LINE_NOISE = 30.0  # int16 standard deviation: about -61 dBFS, a quiet digital line
FRAME = 160  # 20 ms at 8 kHz


def run_sox(*arguments: str) -> None:
    # -R: the same dither on every run, so a test hears the same audio each time; -V1: quiet.
    subprocess.run([str(TOOLS["sox"]), "-R", "-V1", *arguments], check=True)


def espeak_wav(folder: Path, text: str, voice: str) -> Path:
    wav = folder / f"espeak-{hashlib.sha1(f'{voice}:{text}'.encode()).hexdigest()[:16]}.wav"
    if not wav.exists():
        subprocess.run([str(TOOLS["espeak-ng"]), "-v", voice, "-w", str(wav), text], check=True)
    return wav


def sox_wav(folder: Path, name: str, *effects: str) -> Path:
    """A synthetic sound: `sox -n` at 16 kHz through `effects` (synth ..., filters, fades)."""
    wav = folder / f"sox-{name}.wav"
    if not wav.exists():
        run_sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(wav), *effects)
    return wav


def to_phone(wav: Path, *, pstn: bool = False) -> np.ndarray:
    """The recording as 8 kHz int16 samples after G.711 μ-law, as a media stream carries it."""
    raw = wav.with_suffix(".pstn.ul" if pstn else ".ul")
    if not raw.exists():
        band = ["highpass", "300"] if pstn else []
        run_sox(str(wav), "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw", str(raw), *band)
    return CODECS["PCMU"].decode(raw.read_bytes())


def on_line(samples: np.ndarray, *, before: float = 0.5, after: float = 0.8, seed: int = 0) -> np.ndarray:
    """`samples` with line noise before, during and after, through μ-law again."""
    rng = np.random.default_rng(seed)
    lead, tail = np.zeros(int(before * 8000)), np.zeros(int(after * 8000))
    audio = np.concatenate([lead, samples.astype(np.float64), tail])
    audio += rng.normal(0.0, LINE_NOISE, len(audio))
    pcm = np.clip(np.round(audio), -32768, 32767).astype(np.int16)
    return CODECS["PCMU"].decode(CODECS["PCMU"].encode(pcm))


def frames(samples: np.ndarray) -> list[np.ndarray]:
    return [samples[i : i + FRAME] for i in range(0, len(samples) - FRAME + 1, FRAME)]


def onset(samples: np.ndarray, ms: int = 240) -> np.ndarray | None:
    """What the listener hands classify_onset: the utterance so far once `ms` of it were loud, or
    the whole of a shorter one; None when the detector heard nothing."""
    vad = EnergyVad()
    for frame in frames(samples):
        event = vad.push(frame)
        if (vad.speaking and vad.speech_ms >= ms) or event == "stop":
            return vad.utterance()
    return None


def utterance(samples: np.ndarray) -> np.ndarray:
    """The first utterance the voice detector cuts out of `samples`."""
    vad = EnergyVad()
    for frame in frames(samples):
        if vad.push(frame) == "stop":
            break
    return vad.utterance()
