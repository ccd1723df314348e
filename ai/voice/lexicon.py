"""The offline recogniser's vocabulary for one store: a small trigram model built from the store's
own words (catalog items, services, its name) slotted into what callers usually say, and a
pronunciation dictionary of just those words (the wheel's, then espeak-ng, then spelling).
PocketSphinx's generic model turns phone audio into nonsense; this one keeps it to the shop's words.
Used by the post-call transcription (ai.transcription) and the live offline listener (ai.voice.stt).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pocketsphinx import Config, Decoder
from pocketsphinx.lm import ArpaBoLM

DECODE_RATE = 16000  # the rate of the wheel's acoustic model


def decoder_for(hints: Sequence[str]) -> Decoder:
    """A decoder that knows only what callers of this store are likely to say: a trigram model
    of corpus(hints) over a dictionary of just its words (with the wheel's 135,000-word
    dictionary, loading even a tiny model takes seconds). The model is built once per set of
    hints (about 100 ms, more for words espeak-ng must pronounce); the decoder (about 12 ms) is
    new on each call: a decoder serves one thread at a time."""
    arpa_text, dictionary_text = _store_model(tuple(hints))
    with tempfile.TemporaryDirectory(prefix="kalliky-stt-") as folder:
        arpa, dictionary = Path(folder) / "store.arpa", Path(folder) / "store.dict"
        arpa.write_text(arpa_text)
        dictionary.write_text(dictionary_text)
        return Decoder(Config(samprate=DECODE_RATE, lm=str(arpa), dict=str(dictionary), loglevel="ERROR"))


@lru_cache(maxsize=16)  # a few hundred kB each; a worker serves a handful of stores at a time
def _store_model(hints: tuple[str, ...]) -> tuple[str, str]:
    """The ARPA language model and the pronunciation dictionary of decoder_for(hints), as text."""
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
