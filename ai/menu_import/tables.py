"""Menus as tables: CSV (any of , ; tab) and Excel workbooks, with French or English headers."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from ai.menu_import.rows import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    MAX_ROWS,
    NAME_MAX,
    MenuImportError,
    MenuRow,
    Progress,
    clip,
    dietary_keys,
    parse_price,
    price_text,
)
from ai.nlu.text import normalize

# Normalized header names (see ai.nlu.text.normalize), French and English; a header also counts
# when its first word is one of these ("prix ttc", "nom du produit").
HEADERS = {
    "name": {"name", "nom", "produit", "product", "article", "item", "plat", "designation", "libelle"},
    "price": {"price", "prix", "tarif", "montant", "amount"},
    "category": {"category", "categorie", "categories", "rubrique", "section", "famille", "groupe", "group"},
    "description": {"description", "desc", "details", "detail", "ingredients", "composition"},
    "dietary": {"regime", "regimes", "dietary", "diet", "diets", "labels", "tags"},
    "allergens": {"allergenes", "allergene", "allergens", "allergen", "allergies"},
}


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        words = normalize(cell).split()
        for column, names in HEADERS.items():
            if column not in found and words and (" ".join(words) in names or words[0] in names):
                found[column] = index
                break
    return found


def _missing_columns_message() -> str:
    return _(
        "The first row must name the columns: one for the name (name, nom or produit) and one for the "
        "price (price or prix); category and description columns are optional."
    )


def _rows_from_table(lines: Iterable[Sequence[str]], *, default_category: str = "") -> list[MenuRow] | None:
    """Rows from a table whose first non-empty line is the header; None when it has no name and
    price columns. Without a category column, a line with a name and no price is a heading."""
    iterator = iter(lines)
    columns: dict[str, int] = {}
    for header in iterator:
        if any(cell.strip() for cell in header):
            columns = _columns(header)
            break
    if "name" not in columns or "price" not in columns:
        return None

    def cell(line: Sequence[str], column: str) -> str:
        index = columns.get(column)
        return line[index].strip() if index is not None and index < len(line) else ""

    rows: list[MenuRow] = []
    category = default_category
    for line in iterator:
        name, price_cell = clip(cell(line, "name"), NAME_MAX), cell(line, "price")
        if not name:
            continue
        description = clip(cell(line, "description"), DESCRIPTION_MAX)
        if "category" not in columns and not price_cell and not description:
            category = clip(name, CATEGORY_MAX)
            continue
        amount = parse_price(price_cell)
        warning = ""
        if amount is None:
            warning = (
                _("No price in the file.")
                if not price_cell
                else _("Price not understood: “%(price)s”.") % {"price": price_cell[:40]}
            )
        # Either column may hold either kind ("végétarien, sans gluten" or "gluten, lait").
        tags, allergens, odd = dietary_keys(f"{cell(line, 'dietary')},{cell(line, 'allergens')}")
        if odd:
            not_understood = _("Not understood: “%(words)s”.") % {"words": ", ".join(odd)[:80]}
            warning = f"{warning} {not_understood}".strip()
        rows.append(
            MenuRow(
                name=name,
                price=price_text(amount),
                category=clip(cell(line, "category"), CATEGORY_MAX) or category,
                description=description,
                warning=warning,
                dietary=tags,
                allergens=allergens,
            )
        )
        if len(rows) > MAX_ROWS:  # extract() says so; no need to read the rest
            break
    return rows


# Excel's "Unicode text" export is UTF-16 with a byte-order mark: full of NUL bytes, yet text.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def looks_like_text(head: bytes) -> bool:
    return head.startswith(_UTF16_BOMS) or b"\x00" not in head


def _decode(data: bytes) -> str:
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    # UTF-8 (with Excel's BOM) first; French Excel on Windows saves CSV in Windows-1252.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(text: str) -> str:
    """The separator the header line uses most: , ; or tab (headers rarely contain any)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def rows_from_csv(data: bytes, on_progress: Progress) -> list[MenuRow]:
    if not looks_like_text(data):
        raise MenuImportError(_("This file is not a text CSV: export the menu again as CSV."))
    text = _decode(data)
    on_progress(0.3)
    try:
        rows = _rows_from_table(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise MenuImportError(
            _("This CSV file is malformed (%(error)s): export it again.") % {"error": exc}
        ) from None
    if rows is None:
        raise MenuImportError(_missing_columns_message())
    on_progress(1.0)
    return rows


# Formatting can stretch a sheet to a million empty lines: stop after this many in a row.
_XLSX_MAX_EMPTY_LINES = 1000


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_lines(sheet: Any) -> Iterable[list[str]]:
    empty = 0
    for values in sheet.iter_rows(values_only=True):
        line = [_cell_text(v) for v in values]
        empty = 0 if any(c.strip() for c in line) else empty + 1
        if empty > _XLSX_MAX_EMPTY_LINES:
            return
        yield line


def rows_from_xlsx(data: bytes, on_progress: Progress) -> list[MenuRow]:
    """Every sheet with name and price columns; a sheet's title is the category of its rows
    when it has no category column (one sheet per section is a common layout)."""
    # heavy: openpyxl takes ~150 ms to import; loaded only when an Excel menu is read.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException  # heavy, as above

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise MenuImportError(_("This Excel file could not be opened: save it again as .xlsx.")) from None
    try:
        sheets = workbook.worksheets
        rows: list[MenuRow] = []
        understood = False
        for number, sheet in enumerate(sheets, start=1):
            title = sheet.title if len(sheets) > 1 else ""
            found = _rows_from_table(_sheet_lines(sheet), default_category=clip(title, CATEGORY_MAX))
            if found is not None:
                understood = True
                rows += found
            on_progress(number / len(sheets))
            if len(rows) > MAX_ROWS:
                break
    finally:
        workbook.close()
    if not understood:
        raise MenuImportError(_missing_columns_message())
    return rows
