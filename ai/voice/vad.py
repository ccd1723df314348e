"""Where the caller speaks, frame by frame, and what kind of sound starts an utterance.

EnergyVad is pushed each 20 ms frame of a call's 8 kHz audio as it arrives and says when an
utterance starts and stops; it keeps the utterance's samples (with the moments before it, so the
first phoneme reaches the recogniser). classify_onset looks at the first ~250 ms of an utterance
that interrupts the assistant and tells a backchannel hum or a cough from real speech: only the
latter should cut the assistant off.

Both are plain numpy on whole frames: a call sends fifty frames a second and many calls share a
worker, so nothing here loops over samples in Python.
"""

from __future__ import annotations

from collections import deque
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

RATE = 8000
FRAME_MS = 20
FULL_SCALE = 32768.0
SILENCE_DB = -100.0  # the level given to digital silence, so the logs stay finite

Event = Literal["start", "stop"]
Onset = Literal["speech", "hum", "noise"]


class EnergyVad:
    """Energy voice activity detection against an adaptive noise floor.

    A frame is loud when it is `start_db` above the floor (and above `min_db`, so a line that
    is digitally silent does not make breath noise "speech"); `start_ms` of loud frames in a row
    start an utterance, `stop_ms` of quiet frames (below floor + `stop_db`: hysteresis, so the
    tail of a word does not flap the state) stop it. The floor follows the quietest recent
    level: it falls fast and rises slowly, slower still during speech, so that a long sentence
    is not mistaken for the background, yet a line that gets noisier mid-call is learnt within
    seconds. It starts at the first frame's level: a call opens with the assistant's greeting,
    so the caller's first frames are the line's background.
    """

    def __init__(
        self,
        *,
        rate: int = RATE,
        start_ms: int = 60,
        stop_ms: int = 500,
        preroll_ms: int = 200,
        postroll_ms: int = 200,
        start_db: float = 12.0,
        stop_db: float = 6.0,
        min_db: float = -55.0,
        max_utterance_ms: int = 60_000,
    ) -> None:
        self.rate = rate
        self.start_ms, self.stop_ms = start_ms, stop_ms
        self.preroll_ms, self.postroll_ms = preroll_ms, postroll_ms
        self.start_db, self.stop_db, self.min_db = start_db, stop_db, min_db
        self.max_utterance_ms = max_utterance_ms
        self.floor_db: float | None = None
        self.speaking = False
        self.speech_ms = 0  # loud ms in the current (or last) utterance
        self.level_db = SILENCE_DB  # the last frame's level, for logs and tests
        self._loud_ms = 0  # loud ms in a row: the start run
        self._quiet_ms = 0  # quiet ms in a row while speaking
        # The frames before a start: the pre-roll plus the start run itself, replayed into the
        # utterance when it starts. Sized in frames of FRAME_MS; odd frame sizes only shift it.
        self._recent: deque[np.ndarray] = deque(maxlen=max(1, (preroll_ms + start_ms) // FRAME_MS))
        self._utterance: list[np.ndarray] = []
        self._utterance_ms = 0

    def push(self, frame: np.ndarray) -> Event | None:
        """Feed one frame of int16 samples; "start" or "stop" when the state changes."""
        samples = np.array(frame, dtype=np.int16)  # a copy: the caller may reuse its buffer
        ms = len(samples) * 1000 // self.rate
        level = self._level(samples)
        self.level_db = level
        floor = self._track_floor(level)
        loud = level > max(floor + self.start_db, self.min_db)
        if not self.speaking:
            self._recent.append(samples)
            self._loud_ms = self._loud_ms + ms if loud else 0
            if self._loud_ms < self.start_ms:
                return None
            self.speaking, self._quiet_ms = True, 0
            self._utterance = list(self._recent)
            self._utterance_ms = sum(len(f) for f in self._utterance) * 1000 // self.rate
            self.speech_ms = self._loud_ms
            self._recent.clear()
            return "start"
        if self._utterance_ms < self.max_utterance_ms:  # a stuck line must not fill the memory
            self._utterance.append(samples)
            self._utterance_ms += ms
        if loud:
            self.speech_ms += ms
        if level > max(floor + self.stop_db, self.min_db):
            self._quiet_ms = 0
            return None
        self._quiet_ms += ms
        if self._quiet_ms < self.stop_ms:
            return None
        self.speaking, self._loud_ms = False, 0
        self._trim_tail()
        return "stop"

    def utterance(self) -> np.ndarray:
        """The current (or last) utterance's samples, pre-roll included, as one int16 array."""
        if not self._utterance:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self._utterance)

    def reset(self) -> None:
        """Forget the utterance (after it has been handled); the noise floor is kept."""
        self.speaking, self.speech_ms, self._loud_ms, self._quiet_ms = False, 0, 0, 0
        self._utterance, self._utterance_ms = [], 0
        self._recent.clear()

    @staticmethod
    def _level(samples: np.ndarray) -> float:
        if not len(samples):
            return SILENCE_DB
        x = samples.astype(np.float64)
        power = float(np.dot(x, x)) / (len(x) * FULL_SCALE * FULL_SCALE)
        return 10.0 * np.log10(power) if power > 1e-10 else SILENCE_DB

    def _track_floor(self, level: float) -> float:
        if self.floor_db is None:
            self.floor_db = level
        elif level < self.floor_db:
            # Down within a few frames, not at once: one dropped (silent) packet is not the line.
            self.floor_db += 0.3 * (level - self.floor_db)
        else:
            # Up by a fraction of the gap, capped: about 12 dB/s between utterances (a line that
            # gets noisier is learnt in a second or two), 5 dB/s while speaking: the dips between
            # words pull it back down, so a long sentence does not become the background, and a
            # noise that started an "utterance" still ends it within seconds (+26 dB: 4.5 s).
            cap = 0.1 if self.speaking else 0.25
            self.floor_db += min(0.05 * (level - self.floor_db), cap)
        return self.floor_db

    def _trim_tail(self) -> None:
        # The stop_ms of quiet that ended the utterance is no speech; keep a post-roll of it so
        # the last phoneme's decay reaches the recogniser.
        drop = (self._quiet_ms - self.postroll_ms) * self.rate // 1000
        while drop > 0 and self._utterance:
            last = self._utterance[-1]
            if len(last) <= drop:
                self._utterance.pop()
                drop -= len(last)
            else:
                self._utterance[-1] = last[: len(last) - drop]
                drop = 0


# --- what kind of sound starts an utterance ---------------------------------------------------------
# Calibrated on espeak-ng speech (EN, FR; male and female voices), espeak-ng and sox hums and sox
# noise bursts, through μ-law, on a full-band line and on a PSTN-band one (300 Hz high-pass): see
# tests/ai/voice/test_vad.py.
ONSET_MS = 300  # from the first loud frame: what the classifier looks at
ACTIVE_DB = 25.0  # a frame counts when within this of the loudest (the pre-roll's silence does not)
ABOVE_FLOOR_DB = 10.0  # ... and this far over the line's noise (a soft "mm" on a noisy line)
VOICED = 0.45  # normalised autocorrelation peak of a periodic frame; noise stays under ~0.3
MIN_VOICED_FRAMES = 2  # fewer periodic frames than this (40 ms) and it is a burst, not a voice
HUM_VOICED_SHARE = 0.5  # a hum is voiced from end to end
MURMUR_HZ = (200.0, 500.0)  # a nasal murmur's resonance; vowel formants (F1, F2) reach above it
HUM_FORMANT_RATIO = 1.0  # voiced energy above MURMUR_HZ over the energy in it: hums < 0.5
F1_BAND_HZ = (500.0, 1000.0)  # F1 of open vowels, F2 of back ones; a nasal murmur's antiresonance
HUM_F1_RATIO = 0.25  # energy in F1_BAND_HZ over the murmur's: hums < 0.2, up to 0.27 on a PSTN line
SHAPE_BANDS_HZ = ((500.0, 1000.0), (1000.0, 2000.0), (2000.0, 3400.0))
SHAPE_FLOOR_DB = -30.0  # a band this far under the murmur is line noise: its wobble is no articulation
HUM_SHAPE_DB = 6.0  # a hum holds one articulation (< 6 dB of change); speech moves between phonemes
PITCH_HZ = (70.0, 400.0)
_WIN, _HOP = 320, 160  # at 8 kHz: 40 ms windows (two periods of a 70 Hz voice) every 20 ms


def classify_onset(samples: np.ndarray, rate: int = RATE) -> Onset:
    """What starts an utterance, from its first ~250 ms (pre-roll included or not): "hum" (a
    backchannel "mm-hmm": voiced, steady, its energy in the nasal murmur under ~500 Hz),
    "noise" (a cough, a breath, a knock: no periodicity) or "speech"."""
    frames = _onset_frames(np.asarray(samples), rate)
    if frames is None:
        return "noise"
    centred = frames - frames.mean(axis=1, keepdims=True)
    voiced = _periodicity(centred, rate) > VOICED
    if voiced.sum() < MIN_VOICED_FRAMES:
        return "noise"
    if voiced.mean() < HUM_VOICED_SHARE:
        return "speech"  # voiced and unvoiced in turn: consonants and vowels
    size = _fft_size(centred.shape[1])
    power = np.abs(np.fft.rfft(centred[voiced] * np.hanning(centred.shape[1]), size)) ** 2
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    murmur = power[:, (freqs >= MURMUR_HZ[0]) & (freqs < MURMUR_HZ[1])].sum(axis=1) + 1e-12
    above = power[:, (freqs >= MURMUR_HZ[1]) & (freqs < SHAPE_BANDS_HZ[-1][1])].sum(axis=1)
    f1 = power[:, (freqs >= F1_BAND_HZ[0]) & (freqs < F1_BAND_HZ[1])].sum(axis=1)
    if above.sum() / murmur.sum() >= HUM_FORMANT_RATIO or f1.sum() / murmur.sum() >= HUM_F1_RATIO:
        return "speech"
    # Low and voiced: a hum, or a close vowel whose F1 is as low as a murmur's ("we", "me"). The
    # vowel's F2 moves with the tongue, a hum's bands hold: each band's level against the
    # murmur's, frame by frame, and how much it changes.
    bands = np.stack([power[:, (freqs >= a) & (freqs < b)].sum(axis=1) for a, b in SHAPE_BANDS_HZ], axis=1)
    shape = np.maximum(10.0 * np.log10(bands / murmur[:, None] + 1e-12), SHAPE_FLOOR_DB)
    return "hum" if float(shape.std(axis=0).mean()) < HUM_SHAPE_DB else "speech"


def _onset_frames(samples: np.ndarray, rate: int) -> np.ndarray | None:
    """The loud 40 ms windows of the ONSET_MS from the first loud 20 ms frame, as floats. Loud:
    within ACTIVE_DB of the loudest and ABOVE_FLOOR_DB over the quietest (the pre-roll's line
    noise), or within 6 dB of the loudest whatever the floor (no pre-roll: a steady hum)."""
    win, hop = _WIN * rate // RATE, _HOP * rate // RATE
    x = samples.astype(np.float64) / FULL_SCALE
    if len(x) < hop:
        return None
    if len(x) < win:
        x = np.pad(x, (0, win - len(x)))
    windows = sliding_window_view(x, win)[::hop]
    power = np.einsum("ij,ij->i", windows[:, :hop], windows[:, :hop]) / hop
    level = 10.0 * np.log10(power + 1e-10)
    top, floor = float(level.max()), float(level.min())
    active = level > max(top - ACTIVE_DB, min(floor + ABOVE_FLOOR_DB, top - 6.0), -70.0)
    if not active.any():
        return None
    first = int(np.argmax(active))
    last = first + ONSET_MS // FRAME_MS
    return windows[first:last][active[first:last]]


def _periodicity(frames: np.ndarray, rate: int) -> np.ndarray:
    """Each frame's normalised autocorrelation peak over the pitch lags. Only lags past the first
    zero crossing count: a low-pass noise (a muffled cough) stays correlated over short lags
    without repeating."""
    width, size = frames.shape[1], _fft_size(frames.shape[1])
    spectrum = np.fft.rfft(frames, size)
    r = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size)[:, :width]
    lags = np.arange(width)
    r = r / np.maximum(r[:, :1], 1e-12) * (width / (width - lags))  # undo the overlap's taper
    negative = r < 0
    first_zero = np.where(negative.any(axis=1), negative.argmax(axis=1), width)
    low, high = int(rate / PITCH_HZ[1]), int(rate / PITCH_HZ[0])
    usable = (lags >= np.maximum(first_zero, low)[:, None]) & (lags <= high)
    return np.where(usable, r, -1.0).max(axis=1)


def _fft_size(width: int) -> int:
    # Twice the window, a power of two: the autocorrelation must not wrap around.
    return 1 << (2 * width - 1).bit_length()
