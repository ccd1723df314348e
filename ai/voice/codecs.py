"""Audio formats of a call: G.711 μ-law and A-law (8 kHz) and 16-bit linear, as numpy frames.

Not Telnyx's: any carrier speaks these, and the voice pipeline decodes what the caller says and
encodes what the assistant answers with them. Telephony's media stream imports the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# G.711 (ITU-T): 8-bit μ-law and A-law, 8 kHz. Encoded with numpy over whole frames, not per
# sample in Python: a 20 ms frame is 160 samples and a call sends fifty a second.
_MU_BIAS = 0x84
_MU_CLIP14 = 8159  # the clip level on 14-bit samples, as in the reference g711.c
_MU_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _mulaw_encode(pcm: np.ndarray) -> bytes:
    # Works on 14-bit samples shifted first, then the sign taken: the reference's order, which
    # decides the code of values on a segment's edge.
    x = pcm.astype(np.int32) >> 2
    mask = np.where(x < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(x), _MU_CLIP14) + (_MU_BIAS >> 2)
    segment = np.searchsorted(_MU_SEGMENT_ENDS, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)  # beyond the last segment: the loudest code
    return ((code ^ mask) & 0xFF).astype(np.uint8).tobytes()


def _mulaw_formula(codes: np.ndarray) -> np.ndarray:
    u = ~codes.astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _MU_BIAS) << exponent) - _MU_BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


# Decoding is a lookup in the 256 values the formula gives: one indexing per frame instead of
# six array operations (it runs for every caller frame of every call).
_MU_TABLE = _mulaw_formula(np.arange(256, dtype=np.uint8))


def _mulaw_decode(data: bytes) -> np.ndarray:
    return _MU_TABLE[np.frombuffer(data, dtype=np.uint8)]


def _alaw_encode(pcm: np.ndarray) -> bytes:
    x = pcm.astype(np.int32) >> 3  # A-law works on 13-bit samples
    sign = np.where(x >= 0, 0x80, 0x00)
    magnitude = np.minimum(np.where(x >= 0, x, -x - 1), 0x0FFF)
    exponent = np.where(magnitude < 32, 0, np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 4)
    exponent = np.clip(exponent, 0, 7)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    return ((sign | (exponent << 4) | mantissa) ^ 0x55).astype(np.uint8).tobytes()


def _alaw_decode(data: bytes) -> np.ndarray:
    a = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


def _l16_encode(pcm: np.ndarray) -> bytes:
    return pcm.astype(">i2").tobytes()  # L16 is big-endian (RFC 3551)


def _l16_decode(data: bytes) -> np.ndarray:
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], dtype=">i2").astype(np.int16)


@dataclass(frozen=True)
class Codec:
    name: str
    sample_rate: int
    bytes_per_sample: int
    decode: Callable[[bytes], np.ndarray]  # codec bytes → 16-bit linear samples
    encode: Callable[[np.ndarray], bytes]  # 16-bit linear samples → codec bytes

    def frame_bytes(self, milliseconds: int = 20) -> int:
        return self.sample_rate * milliseconds // 1000 * self.bytes_per_sample


CODECS: dict[str, Codec] = {
    "PCMU": Codec("PCMU", 8000, 1, _mulaw_decode, _mulaw_encode),
    "PCMA": Codec("PCMA", 8000, 1, _alaw_decode, _alaw_encode),
    "L16": Codec("L16", 16000, 2, _l16_decode, _l16_encode),
}
