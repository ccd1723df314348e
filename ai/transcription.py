"""The text of a call recording, for the post-call analysis of calls the AI did not hold (a person
took the call, or the AI was off).

Two providers, chosen by STT_PROVIDER:
- "local" (the embedded default, offline): PocketSphinx, English only. Its generic language model
  turns phone audio into nonsense, so each recording is decoded with a small trigram model built
  from the store's own words (`hints`: catalog items, services, the store's name) and the usual
  ordering, booking and complaint phrases below. Any other language is "unsupported_language".
- "openai": the audio transcription endpoint, any language, the hints as vocabulary.

transcribe_recording never raises for a provider or audio problem and never invents text: a
failure comes back as status "failed" with the reason, stored for staff.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai
from django.conf import settings
from django.utils.translation import get_language_info

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from pocketsphinx import Decoder

log = logging.getLogger(__name__)

DONE = "done"
UNSUPPORTED_LANGUAGE = "unsupported_language"
FAILED = "failed"
OFFLINE_LANGUAGES = ("en",)  # the only acoustic model and dictionary the pocketsphinx wheel ships

DECODE_RATE = 16000  # the rate of the wheel's acoustic model
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
    import numpy as np
    import soundfile

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
    from pocketsphinx import Segmenter

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
    import numpy as np

    power = np.abs(np.fft.rfft(segment)) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return True
    peak, width = int(np.argmax(power)), max(1, int(TONE_BAND_HZ * len(segment) / rate))
    return float(power[max(0, peak - width) : peak + width + 1].sum()) / total > TONE_SHARE


def _decode_segment(decoder: Decoder, segment: NDArray[np.float32], rate: int) -> str:
    import numpy as np

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
    import numpy as np

    if rate == target or not len(signal):
        return signal
    count = max(1, round(len(signal) * target / rate))
    spectrum = np.fft.rfft(signal)
    kept = np.zeros(count // 2 + 1, dtype=spectrum.dtype)
    width = min(len(spectrum), len(kept))
    kept[:width] = spectrum[:width]
    return (np.fft.irfft(kept, count) * (count / len(signal))).astype(np.float32)


def _pcm16(signal: NDArray[np.float32]) -> bytes:
    import numpy as np

    return (np.clip(signal, -1.0, 1.0) * 32767).astype("<i2").tobytes()


# --- the language model ---------------------------------------------------------------------------
def decoder_for(hints: Sequence[str]) -> Decoder:
    """A decoder that knows only what callers of this store are likely to say: a trigram model
    of corpus(hints) over a dictionary of just its words (with the wheel's 135,000-word
    dictionary, loading even a tiny model takes seconds). The model is built once per set of
    hints (about 100 ms, more for words espeak-ng must pronounce); the decoder (about 12 ms) is
    new on each call: a decoder serves one thread at a time."""
    from pocketsphinx import Config, Decoder

    arpa_text, dictionary_text = _store_model(tuple(hints))
    with tempfile.TemporaryDirectory(prefix="kalliky-stt-") as folder:
        arpa, dictionary = Path(folder) / "store.arpa", Path(folder) / "store.dict"
        arpa.write_text(arpa_text)
        dictionary.write_text(dictionary_text)
        return Decoder(Config(samprate=DECODE_RATE, lm=str(arpa), dict=str(dictionary), loglevel="ERROR"))


@lru_cache(maxsize=16)  # a few hundred kB each; a worker serves a handful of stores at a time
def _store_model(hints: tuple[str, ...]) -> tuple[str, str]:
    """The ARPA language model and the pronunciation dictionary of decoder_for(hints), as text."""
    from pocketsphinx.lm import ArpaBoLM

    lines = corpus(hints)
    phones = _dictionary_entries({word for line in lines for word in line.split()})
    for word in {word for line in lines for word in line.split()} - phones.keys():
        guess = pronounce(word)
        if guess:
            phones[word] = [guess]
    lines = [line for line in lines if all(word in phones for word in line.split())]
    model = ArpaBoLM(text="\n".join(lines), add_start=True)
    model.compute()
    arpa = io.StringIO()
    model.write(arpa)
    dictionary = "".join(
        f"{word if n == 0 else f'{word}({n + 1})'} {variant}\n"
        for word in sorted(phones)
        for n, variant in enumerate(phones[word])
    )
    return arpa.getvalue(), dictionary


def _dictionary_entries(words: set[str]) -> dict[str, list[str]]:
    """The pronunciations (variants included) the wheel's dictionary has for `words`."""
    from pocketsphinx import Config

    found: dict[str, list[str]] = {}
    with open(Config()["dict"], encoding="utf-8") as entries:
        for entry in entries:
            head, _, phones = entry.partition(" ")
            word = head.split("(", 1)[0]
            if word in words:
                found.setdefault(word, []).append(phones.strip())
    return found


def words_of(text: str) -> list[str]:
    """Dictionary-style words: lower case, no accents, digits spelled out ("7up" → "seven up")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = plain.replace("&", " and ").replace("’", "'")
    plain = re.sub(r"\d+", lambda m: f" {_number_words(int(m.group()))} ", plain)
    return [w.strip("'") for w in re.findall(r"[a-z']+", plain) if w.strip("'")]


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen \
sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _number_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))  # a long number is read digit by digit


def _plural(words: list[str]) -> list[str]:
    last = words[-1]
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return [*words[:-1], last + "es"]
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return [*words[:-1], last[:-1] + "ies"]
    return [*words[:-1], last + "s"]


# What callers (and the person who answers) say, in English. Each line teaches the model which
# words follow which; the store's names are slotted into the templates in corpus().
ORDER_OPENERS = (
    "i would like",
    "i'd like",
    "i want",
    "can i have",
    "could i have",
    "can i get",
    "could i get",
    "i'll have",
    "i will have",
    "i would like to order",
    "i'd like to order",
    "can i order",
    "let me get",
    "give me",
    "we would like",
    "we'll have",
    "i'll take",
    "and",
)
QUANTITIES = ("a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
SIZES = ("small", "medium", "large", "regular", "extra large", "big")
ORDER_ENDINGS = (
    "for delivery",
    "for pickup",
    "to pick up",
    "to take away",
    "to go",
    "for collection",
    "please",
    "thank you",
    "and that's all",
    "that's it",
)
PHRASES = (
    # courtesy, both sides of the line
    "hello",
    "hi",
    "good morning",
    "good afternoon",
    "good evening",
    "yes",
    "yes please",
    "no",
    "no thank you",
    "okay",
    "all right",
    "sure",
    "perfect",
    "great",
    "thank you",
    "thanks",
    "thank you very much",
    "goodbye",
    "bye",
    "have a nice day",
    "sorry",
    "excuse me",
    "thank you for calling",
    "how can i help you",
    "what can i get you",
    "what would you like",
    "anything else",
    "is that all",
    "can i have your name please",
    "what is your phone number",
    "what is your address",
    "my name is",
    "my number is",
    "my address is",
    "one moment please",
    "let me check",
    "hold on please",
    "can you repeat that please",
    # ordering
    "i would like to place an order",
    "i want to order",
    "i would like to order for delivery",
    "i would like to order for pickup",
    "i'll pick it up",
    "can you deliver",
    "how much is it",
    "how much does it cost",
    "what is the total",
    "the total is",
    "how long will it take",
    "it will be ready in twenty minutes",
    "about thirty minutes",
    "can i pay by card",
    "can i pay cash",
    "do you have",
    "what do you have",
    "do you have a vegetarian option",
    "without onions",
    "with extra cheese",
    "no cheese",
    "is it spicy",
    "i am allergic to nuts",
    "gluten free",
    "can i change my order",
    "i want to cancel my order",
    "your order is confirmed",
    # booking
    "i would like to book a table",
    "can i book a table",
    "i'd like to make a reservation",
    "i want to make a reservation",
    "i would like to book an appointment",
    "can i make an appointment",
    "i want to cancel my reservation",
    "i want to change my booking",
    "a table for two",
    "for two people",
    "is there a table available",
    "do you have availability",
    "what time",
    "at what time",
    "tonight",
    "today",
    "tomorrow",
    "this evening",
    "next week",
    "in the morning",
    "in the afternoon",
    "in the evening",
    "at noon",
    # information
    "what are your opening hours",
    "what time do you open",
    "what time do you close",
    "are you open today",
    "are you open on sunday",
    "could you tell me your opening hours",
    "where are you located",
    "what is the address",
    "do you deliver to my area",
    "is there parking",
    # complaints
    "i want to make a complaint",
    "i have a complaint",
    "my order was late",
    "my order is late",
    "my order is missing",
    "my order was wrong",
    "the food was cold",
    "it was cold",
    "it was not good",
    "it was burnt",
    "something is missing",
    "i was charged twice",
    "i want a refund",
    "i am not happy",
    "i have been waiting for an hour",
    "nobody called me back",
    "i want to speak to the manager",
    "i want to speak to someone",
    "can you call me back",
)
# Things most shops sell or book, in case the catalog names them only by kind ("Margherita").
COMMON_ITEMS = (
    "pizza",
    "burger",
    "sandwich",
    "salad",
    "drink",
    "coffee",
    "dessert",
    "menu",
    "table",
    "appointment",
    "haircut",
    "delivery",
    "order",
)
KINDS = ("pizza", "burger", "sandwich", "salad")  # "a Margherita pizza" when the menu says "Margherita"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def corpus(hints: Sequence[str]) -> list[str]:
    """The training sentences of a store's language model: the phrases above, numbers, days and
    times, and every hint in the order, booking and complaint templates (singular and plural)."""
    lines = [*PHRASES, *ORDER_ENDINGS]
    numbers = _ONES[1:13]
    lines += [f"{opener} {quantity}" for opener in ORDER_OPENERS for quantity in QUANTITIES]
    # "would like two large" must outweigh "would like to", which the phrases teach often.
    lines += [f"{opener} {q} {size}" for opener in ORDER_OPENERS for q in QUANTITIES[:4] for size in SIZES]
    lines += [f"for {n} people" for n in numbers[1:]] + [f"a table for {n}" for n in numbers[1:]]
    lines += [f"at {n}" for n in numbers] + [f"at {n} thirty" for n in numbers]
    lines += [f"at {n} pm" for n in numbers] + [f"at {n} o'clock" for n in numbers]
    lines += [f"on {day}" for day in DAYS] + [f"{day} at {n}" for day in DAYS for n in numbers[5:10]]
    lines += [f"tomorrow at {n}" for n in numbers] + [f"tonight at {n}" for n in numbers]
    for hint in (*COMMON_ITEMS, *hints):
        words = words_of(hint)[:8]
        if not words:
            continue
        one, many = " ".join(words), " ".join(_plural(words))
        lines += [one, many, f"the {one} was", f"and a {one}", f"and one {one}", f"and two {many}"]
        lines += [f"{quantity} {one if quantity in ('a', 'one') else many}" for quantity in QUANTITIES]
        lines += [f"a {size} {one}" for size in SIZES] + [f"two {size} {many}" for size in SIZES]
        lines += [f"{one} {ending}" for ending in ORDER_ENDINGS]
        lines += [f"{many} {ending}" for ending in ORDER_ENDINGS]
        lines += [f"{one} {kind}" for kind in KINDS] + [f"{one} {kind}s" for kind in KINDS]
        # "two margherita pizzas": a count before the kind, else "would like to" wins the homophone.
        lines += [f"{quantity} {one} {kind}s" for quantity in QUANTITIES[2:6] for kind in KINDS]
        lines += [f"{one} and", f"{many} and", f"i would like to book a {one}"]
        lines += [f"thank you for calling {one}"]
    return lines


# --- pronunciations of words the dictionary lacks --------------------------------------------------
def pronounce(word: str) -> str:
    """ARPAbet phones for a word missing from the dictionary (a dish or a street name): espeak-ng's
    letter-to-sound rules when it is installed, else a rough spelling-based guess."""
    return _espeak_phones(word) or _spelled_phones(word)


# espeak-ng's phoneme mnemonics (`espeak-ng -x`, English) → ARPAbet; longest first when parsing.
_ESPEAK = {
    "aI@": "AY ER",
    "aU@": "AW ER",
    "i@3": "IH R",
    "aI": "AY",
    "aU": "AW",
    "eI": "EY",
    "oU": "OW",
    "OI": "OY",
    "e@": "EH R",
    "i@": "IH R",
    "U@": "UH R",
    "O@": "AO R",
    "o@": "AO R",
    "A@": "AA R",
    "3:": "ER",
    "A:": "AA",
    "i:": "IY",
    "u:": "UW",
    "O:": "AO",
    "@L": "AH L",
    "@2": "AH",
    "@5": "AH",
    "a#": "AH",
    "I2": "IH",
    "I#": "IH",
    "aa": "AE",
    "IR": "IH R",
    "VR": "AH R",
    "tS": "CH",
    "dZ": "JH",
    "t#": "T",
    "n-": "N",
    "l-": "L",
    "m-": "M",
    "r-": "R",
    "3": "ER",
    "@": "AH",
    "a": "AE",
    "A": "AA",
    "0": "AA",
    "V": "AH",
    "E": "EH",
    "e": "EH",
    "I": "IH",
    "i": "IY",
    "U": "UH",
    "u": "UW",
    "O": "AO",
    "o": "OW",
    "p": "P",
    "b": "B",
    "t": "T",
    "d": "D",
    "k": "K",
    "g": "G",
    "f": "F",
    "v": "V",
    "T": "TH",
    "D": "DH",
    "s": "S",
    "z": "Z",
    "S": "SH",
    "Z": "ZH",
    "h": "HH",
    "m": "M",
    "n": "N",
    "N": "NG",
    "l": "L",
    "r": "R",
    "w": "W",
    "j": "Y",
    "x": "K",
}
_ESPEAK_TOKENS = sorted(_ESPEAK, key=len, reverse=True)


@lru_cache(maxsize=4096)
def _espeak_phones(word: str) -> str:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return ""
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program; the word is data, not a shell string
            [espeak, "-q", "-x", "-v", "en-us", word], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    mnemonics, phones = done.stdout.strip(), []
    position = 0
    while position < len(mnemonics):
        token = next((t for t in _ESPEAK_TOKENS if mnemonics.startswith(t, position)), None)
        if token is None:  # stress marks, syllable breaks, glottal stops: no phone of their own
            position += 1
            continue
        phones.append(_ESPEAK[token])
        position += len(token)
    return re.sub(r"\b(ER|R) R\b", r"\1", " ".join(phones))  # "g3r'i:" is one r-coloured vowel, not two


# A last resort without espeak-ng: enough to let a dish name match roughly, never a dictionary.
_SPELLING = (
    ("tch", "CH"),
    ("sch", "S K"),
    ("ch", "CH"),
    ("sh", "SH"),
    ("th", "TH"),
    ("ph", "F"),
    ("gh", "G"),
    ("ck", "K"),
    ("qu", "K W"),
    ("ng", "NG"),
    ("gn", "N Y"),
    ("ee", "IY"),
    ("ea", "IY"),
    ("oo", "UW"),
    ("ou", "AW"),
    ("ow", "OW"),
    ("ai", "EY"),
    ("ay", "EY"),
    ("oi", "OY"),
    ("oy", "OY"),
    ("au", "AO"),
    ("aw", "AO"),
    ("ie", "IY"),
    ("ei", "EY"),
    ("ce", "S EH"),
    ("ci", "CH IY"),
    ("ge", "JH EH"),
    ("a", "AA"),
    ("b", "B"),
    ("c", "K"),
    ("d", "D"),
    ("e", "EH"),
    ("f", "F"),
    ("g", "G"),
    ("h", "HH"),
    ("i", "IY"),
    ("j", "JH"),
    ("k", "K"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("o", "OW"),
    ("p", "P"),
    ("q", "K"),
    ("r", "R"),
    ("s", "S"),
    ("t", "T"),
    ("u", "UW"),
    ("v", "V"),
    ("w", "W"),
    ("x", "K S"),
    ("y", "IY"),
    ("z", "Z"),
)


def _spelled_phones(word: str) -> str:
    letters = re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", word.lower()))  # "pizz" → "piz"
    if len(letters) > 3 and letters.endswith("e") and letters[-2] not in "aeiou":
        letters = letters[:-1]  # a silent final e, as in "calzone" said the English way
    phones, position = [], 0
    while position < len(letters):
        graph, phone = next((g, p) for g, p in _SPELLING if letters.startswith(g, position))
        phones.append(phone)
        position += len(graph)
    return " ".join(phones)
