"""A few seconds of the assistant's voice for the settings page: the sentence spoken by the same
synthesis a call uses (espeak-ng offline, OpenAI's speech when configured), as a WAV file a
browser plays. Voices are listed here so the form and the endpoint agree."""

from __future__ import annotations

import io
import wave

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ai.voice import tts
from ai.voice.codecs import CODECS

# The voice a call's speech uses (IntelligentAIConfig.voice_type): espeak-ng's variants offline,
# and, with TTS_PROVIDER=openai, mapped to OpenAI voices (tts.OPENAI_VOICES).
PHONE_VOICES = {"female": _("Female voice"), "male": _("Male voice")}
# The voice of OpenAI's realtime assistant (IntelligentAIConfig.voice_style).
OPENAI_VOICES = ("marin", "cedar", "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse")


def openai_configured() -> bool:
    return bool(settings.OPENAI_API_KEY)


def preview_wav(*, text: str, lang: str, voice: str, provider: str = "phone") -> bytes:
    """`text` in `voice` as an 8 kHz mono WAV. provider "phone": what a call's speech stage says
    (tts.synthesize); "openai": that OpenAI voice, falling back to espeak-ng like a call does.
    Raises tts.TTSError when no audio can be made (espeak-ng missing)."""
    if provider == "openai" and openai_configured():
        try:
            ulaw = tts.openai_speech(text, voice)
        except tts.openai.OpenAIError:
            ulaw = tts.synthesize(text, lang)
    else:
        ulaw = tts.synthesize(text, lang, voice)
    samples = CODECS["PCMU"].decode(ulaw)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(tts.RATE)
        wav.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()
