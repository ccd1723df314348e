"""POST /v1/audio/transcriptions for the OpenAI fake: the multipart form the SDK sends, the checks
the API makes on it, and the answer in each response_format.

Form fields (multipart/form-data): file (required, a file part with a name the API reads the format
from), model (required), language (ISO-639-1), prompt, response_format, temperature, include[],
timestamp_granularities[], chunking_strategy, keywords[]/languages[] (gpt-transcribe), stream.
Formats by model: whisper-1 json/text/srt/verbose_json/vtt; gpt-4o(-mini)-transcribe and
gpt-transcribe json/text; gpt-4o-transcribe-diarize json/text/diarized_json. json answers
`{"text", "usage"}` (tokens, or seconds for whisper-1); text answers the transcript as text/plain.
Durations come from a WAV header, else are estimated from the size (32 kb/s).
"""

from __future__ import annotations

import io
import re
import wave
from dataclasses import dataclass
from typing import Any

AUDIO_EXTENSIONS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
FORMATS = {
    "whisper-1": ("json", "text", "srt", "verbose_json", "vtt"),
    "gpt-4o-transcribe": ("json", "text"),
    "gpt-4o-mini-transcribe": ("json", "text"),
    "gpt-4o-mini-transcribe-2025-12-15": ("json", "text"),
    "gpt-transcribe": ("json", "text"),
    "gpt-4o-transcribe-diarize": ("json", "text", "diarized_json"),
}
LANGUAGE_NAMES = {"en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian"}
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, byte for byte."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Problem:
    status: int
    message: str
    param: str | None = None
    code: str | None = None


def parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]] | None:
    """Text fields (a name ending in [] collects a list) and file parts; None when not multipart.
    Hand-rolled rather than `email`, which may rewrite line endings inside binary parts."""
    match = re.match(r'\s*multipart/form-data\s*;.*?boundary="?([^";]+)"?', content_type or "", re.I)
    if match is None:
        return None
    fields: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    for part in raw.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        if name is None:
            continue
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        if filename is not None:
            kind = re.search(r"(?im)^content-type:\s*(\S+)", headers)
            files[name.group(1)] = UploadedFile(filename.group(1), kind.group(1) if kind else "", content)
        elif name.group(1).endswith("[]"):
            fields.setdefault(name.group(1)[:-2], []).append(content.decode("utf-8", "replace"))
        else:
            fields[name.group(1)] = content.decode("utf-8", "replace")
    return fields, files


Form = dict[str, Any]


def problem(content_type: str, fields: Form | None, files: dict[str, UploadedFile]) -> Problem | None:
    """The API's checks on a transcription request, in its order; None when it is acceptable."""
    if fields is None:
        return Problem(
            400,
            f"Invalid Content-Type header ({content_type or 'none'}), expected multipart/form-data.",
        )
    upload = files.get("file")
    if upload is None:
        return Problem(400, "Missing required parameter: 'file'.", "file", "missing_required_parameter")
    model = fields.get("model")
    if not model:
        return Problem(400, "you must provide a model parameter", "model", "missing_required_parameter")
    if model not in FORMATS:
        missing = f"The model '{model}' does not exist or you do not have access to it."
        return Problem(404, missing, "model", "model_not_found")
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if extension not in AUDIO_EXTENSIONS:
        supported = f"Invalid file format. Supported formats: {list(AUDIO_EXTENSIONS)}"
        return Problem(400, supported, "file", "invalid_value")
    if not upload.data:
        return Problem(
            400, "Audio file is too short. Minimum audio length is 0.1 seconds.", "file", "audio_too_short"
        )
    response_format = fields.get("response_format", "json")
    if response_format not in FORMATS[model]:
        allowed = " or ".join(f"'{f}'" for f in FORMATS[model])
        return Problem(
            400,
            f"response_format '{response_format}' is not compatible with model '{model}'. Use {allowed}.",
            "response_format",
            "unsupported_value",
        )
    language = fields.get("language")
    if language is not None and not _LANGUAGE.fullmatch(language):
        return Problem(
            400,
            f"Invalid language '{language}'. Language parameter must be specified in ISO-639-1 format.",
            "language",
            "invalid_language_format",
        )
    if fields.get("timestamp_granularities") and response_format != "verbose_json":
        return Problem(
            400,
            "timestamp_granularities are only supported with response_format=verbose_json",
            "timestamp_granularities",
            "invalid_value",
        )
    return None


def duration(upload: UploadedFile) -> float:
    try:
        with wave.open(io.BytesIO(upload.data)) as audio:
            return round(audio.getnframes() / audio.getframerate(), 3)
    except (wave.Error, EOFError, ZeroDivisionError):
        return round(upload.size * 8 / 32000, 3)


def answer(fields: dict[str, Any], upload: UploadedFile, text: str) -> tuple[str, str | dict[str, Any]]:
    """(content type, body) of a successful transcription in the requested format."""
    model, response_format = fields["model"], fields.get("response_format", "json")
    seconds = duration(upload)
    if response_format == "text":
        return "text/plain; charset=utf-8", text + "\n"  # unverified: the trailing newline
    if response_format in ("srt", "vtt"):
        return "text/plain; charset=utf-8", _subtitles(response_format, text, seconds)
    body: dict[str, Any] = {"text": text, "usage": usage(model, fields, upload, text)}
    if "logprobs" in (fields.get("include") or []):
        body["logprobs"] = [{"token": w, "logprob": -0.01, "bytes": list(w.encode())} for w in text.split()]
    if response_format == "verbose_json":
        words = text.split()
        step = seconds / max(1, len(words))
        body.update(
            task="transcribe",
            language=LANGUAGE_NAMES.get(fields.get("language") or "en", "english"),
            duration=seconds,
            segments=[_segment(text, seconds)],
        )
        if "word" in (fields.get("timestamp_granularities") or []):
            body["words"] = [
                {"word": w, "start": round(n * step, 3), "end": round((n + 1) * step, 3)}
                for n, w in enumerate(words)
            ]
    if response_format == "diarized_json":
        body.update(
            task="transcribe",
            duration=seconds,
            segments=[
                {
                    "type": "transcript.text.segment",
                    "id": "seg_0",
                    "start": 0.0,
                    "end": seconds,
                    "text": text,
                    "speaker": "A",
                }
            ],
        )
    return "application/json", body


def usage(model: str, fields: dict[str, Any], upload: UploadedFile, text: str) -> dict[str, Any]:
    """whisper-1 is billed by the second, the gpt-4o family by tokens (an estimate here)."""
    if model == "whisper-1":
        return {"type": "duration", "seconds": max(1, round(duration(upload)))}
    audio_tokens = max(1, round(duration(upload) * 10))
    text_tokens = len(fields.get("prompt") or "") // 4
    output = len(text) // 4 + 1
    return {
        "type": "tokens",
        "input_tokens": audio_tokens + text_tokens,
        "input_token_details": {"text_tokens": text_tokens, "audio_tokens": audio_tokens},
        "output_tokens": output,
        "total_tokens": audio_tokens + text_tokens + output,
    }


def stream_events(fields: dict[str, Any], upload: UploadedFile, text: str) -> list[dict[str, Any]]:
    """`stream: true` (not whisper-1, which ignores it): deltas, then the whole text."""
    pieces = re.findall(r"\s*\S+", text) or [""]
    deltas = [{"type": "transcript.text.delta", "delta": piece} for piece in pieces]
    done = {"type": "transcript.text.done", "text": text}
    return [*deltas, {**done, "usage": usage(fields["model"], fields, upload, text)}]


def _segment(text: str, seconds: float) -> dict[str, Any]:
    return {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": seconds,
        "text": " " + text,
        "tokens": [],
        "temperature": 0.0,
        "avg_logprob": -0.2,
        "compression_ratio": 1.0,
        "no_speech_prob": 0.01,
    }


def _subtitles(kind: str, text: str, seconds: float) -> str:
    separator = "," if kind == "srt" else "."
    whole, millis = divmod(round(seconds * 1000), 1000)
    minutes, secs = divmod(whole, 60)
    end = f"00:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
    if kind == "srt":
        return f"1\n00:00:00,000 --> {end}\n{text}\n\n"
    return f"WEBVTT\n\n00:00:00.000 --> {end}\n{text}\n\n"
