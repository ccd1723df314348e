"""Menus as text, one item a line: what a PDF's text layer or a photo's OCR gives."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from ai.menu_import.rows import (
    AMOUNT,
    CATEGORY_MAX,
    CURRENCY,
    DESCRIPTION_MAX,
    MAX_PDF_PAGES,
    MAX_ROWS,
    NAME_MAX,
    MenuImportError,
    MenuRow,
    Progress,
    clip,
    parse_price,
    price_text,
)

_LEADERS = " \t.·…_:-–—|"
# An amount that cannot be a quantity: it has decimals or a currency ("9,50", "9 €", "€9", "9€50").
_STRICT_AMOUNT = (
    rf"(?:€\s?\d{{1,4}}(?:[.,]\d{{1,2}})?"
    rf"|\d{{1,4}}(?:[.,]\d{{1,2}}(?:\s?{CURRENCY})?|\s?€\s?\d{{2}}|\s?{CURRENCY}))"
)
# The label is lazy, so the price is the longest amount ending the line; the look-behinds keep a
# word ("14h30") or a decimal ("11.00") from being cut in two.
_LINE_RE = re.compile(
    rf"^(?P<label>.*?)[\s.·…_:\-–—|]*(?<![\w€])(?<!\d[.,])(?P<price>{AMOUNT})\s*$", re.IGNORECASE
)
_STRICT_AMOUNT_RE = re.compile(rf"^{_STRICT_AMOUNT}$", re.IGNORECASE)
_TRAILING_AMOUNT_RE = re.compile(rf"[\s.·…_:\-–—|/]+(?P<price>{_STRICT_AMOUNT})$", re.IGNORECASE)
_NAME_SPLIT_RE = re.compile(r"\s+[-–—:]\s+")
# Lines that end with a number but are not items: phone numbers, web and e-mail addresses.
_NOISE_RE = re.compile(r"(?:\d{2}[ .]?){4}\d{2}|@|https?:|www\.", re.IGNORECASE)
_HEADING_MAX = 60


@dataclass
class _TextState:
    rows: list[MenuRow] = field(default_factory=list)
    category: str = ""
    last_was_item: bool = False
    # A short line without a price: the heading of the items below, or an item whose price the
    # layout put on the next line. The next line tells which.
    pending: str = ""


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _looks_like_description(line: str) -> bool:
    return "," in line or line[:1].islower() or len(line.split()) > 6 or line.endswith(".")


def _priced(line: str) -> tuple[str, list[Decimal]] | None:
    """("Margherita", [9.50]) from "Margherita ...... 9,50 €"; several amounts when the line ends
    with several ("Margherita 9,50 12,50")."""
    found = _LINE_RE.match(line)
    if found is None:
        return None
    label, amounts = found.group("label").strip(_LEADERS), [parse_price(found.group("price"))]
    while extra := _TRAILING_AMOUNT_RE.search(label):
        amounts.insert(0, parse_price(extra.group("price")))
        label = label[: extra.start()].strip(_LEADERS)
    prices = [a for a in amounts if a is not None]
    return (label, prices) if prices and _letters(label) >= 2 else None


def _add_item(state: _TextState, label: str, prices: list[Decimal]) -> None:
    parts = _NAME_SPLIT_RE.split(label, maxsplit=1)  # "Margherita – tomate, mozzarella"
    warning = ""
    if len(prices) > 1:
        warning = _(
            "Several prices on this line (%(prices)s): the first is kept; add the sizes after the import."
        ) % {"prices": ", ".join(price_text(p) for p in prices)}
    state.rows.append(
        MenuRow(
            name=clip(parts[0], NAME_MAX),
            price=price_text(prices[0]),
            category=state.category,
            description=clip(parts[1], DESCRIPTION_MAX) if len(parts) > 1 else "",
            warning=warning,
        )
    )
    state.last_was_item = True


def _read_line(state: _TextState, raw: str) -> None:
    line = re.sub(r"\s+", " ", raw).strip().lstrip("•*·▪►-– ").strip()
    # A price alone on its line (the layout put it after the item's name); a bare number is a
    # page number.
    alone = _STRICT_AMOUNT_RE.match(line) is not None
    if _letters(line) < 2 and not alone:
        return  # page numbers, rules, stray marks
    if _NOISE_RE.search(line):
        state.last_was_item = False
        return
    if alone:
        amount = parse_price(line)
        if state.pending and amount is not None:
            label, state.pending = state.pending, ""
            _add_item(state, label, [amount])
        return
    priced = _priced(line)
    if priced is not None:
        if state.pending:
            state.category, state.pending = clip(state.pending, CATEGORY_MAX), ""
        _add_item(state, *priced)
        return
    if state.last_was_item and _looks_like_description(line):
        last = state.rows[-1]
        state.rows[-1] = replace(last, description=clip(f"{last.description} {line}", DESCRIPTION_MAX))
        return
    state.last_was_item = False
    if len(line) > _HEADING_MAX:
        return  # a sentence that describes no item ("Prix nets, service compris")
    if state.pending:
        state.category = clip(state.pending, CATEGORY_MAX)
    state.pending = line


def rows_from_text(text: str) -> list[MenuRow]:
    """Rows from menu text, one item a line: "Margherita ........ 9,50 €", "Pizza Reine 11.00".
    A line without a price is a heading (the category of the items below it), unless it follows
    an item and reads like a sentence (a comma, a lowercase start): then it describes that item."""
    state = _TextState()
    for raw in text.splitlines():
        _read_line(state, raw)
        if len(state.rows) > MAX_ROWS:  # extract() says so; no need to read the rest
            break
    return state.rows


def rows_from_pdf(data: bytes, on_progress: Progress) -> list[MenuRow]:
    # heavy: pypdf takes ~60 ms to import; loaded only when a PDF menu is read.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError  # heavy, as above

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise MenuImportError(_("This PDF is protected by a password: export it again without one."))
        pages = list(reader.pages)
        if len(pages) > MAX_PDF_PAGES:
            raise MenuImportError(
                _("This PDF has %(count)s pages, more than %(limit)s: send only the menu pages.")
                % {"count": len(pages), "limit": MAX_PDF_PAGES}
            )
        texts = []
        for number, page in enumerate(pages, start=1):
            texts.append(page.extract_text() or "")
            on_progress(number / len(pages))
    except MenuImportError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise MenuImportError(
            _("This PDF could not be read: export it again, or send a photo of the menu.")
        ) from None
    text = "\n".join(texts)
    if _letters(text) < 3:
        raise MenuImportError(
            _("This PDF contains no text (it is probably a scan): send a photo of the menu instead.")
        )
    return rows_from_text(text)
