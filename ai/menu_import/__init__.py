"""Menu import: turn an uploaded CSV, Excel workbook, PDF or photo into rows the owner reviews.

Bytes in, rows out: nothing here touches the database (ai/menu_upload.py does). Every error is
a MenuImportError whose message is shown to the owner as is, so it says what to do next; it is
translated in the language active when it is raised (the worker activates the uploader's).

rows.py holds the row types, prices and the catalog match; tables.py reads CSV and Excel; text.py
reads PDF text (and OCR output) line by line; photo.py runs the OCR."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from ai.menu_import.photo import image_mime, photo_reader, rows_from_image
from ai.menu_import.rows import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    MATCH_CUTOFF,
    MAX_BYTES,
    MAX_PDF_PAGES,
    MAX_ROWS,
    NAME_MAX,
    CatalogEntry,
    Match,
    MenuImportError,
    MenuRow,
    Progress,
    Size,
    match_rows,
    parse_price,
)
from ai.menu_import.tables import looks_like_text, rows_from_csv, rows_from_xlsx
from ai.menu_import.text import rows_from_pdf, rows_from_text

__all__ = [
    "ACCEPT",
    "CATEGORY_MAX",
    "DESCRIPTION_MAX",
    "MATCH_CUTOFF",
    "MAX_BYTES",
    "MAX_PDF_PAGES",
    "MAX_ROWS",
    "NAME_MAX",
    "CatalogEntry",
    "Match",
    "MenuImportError",
    "MenuRow",
    "Size",
    "detect_kind",
    "extract",
    "match_rows",
    "parse_price",
    "photo_reader",
    "rows_from_text",
    "too_large_message",
]

# Kinds, as stored on MenuUpload.kind.
CSV, XLSX, PDF, IMAGE = "csv", "xlsx", "pdf", "image"
EXTENSIONS = {
    "csv": CSV,
    "txt": CSV,
    "tsv": CSV,
    "xlsx": XLSX,
    "pdf": PDF,
    "png": IMAGE,
    "jpg": IMAGE,
    "jpeg": IMAGE,
    "webp": IMAGE,
}
ACCEPT = ",".join(f".{ext}" for ext in EXTENSIONS)


# --- kind of file ------------------------------------------------------------------------------
def detect_kind(file_name: str, head: bytes) -> str:
    """csv, xlsx, pdf or image, from the extension checked against the first bytes (a renamed
    file is refused here rather than failing obscurely in the worker)."""
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension == "xls":
        raise MenuImportError(_("Old Excel files (.xls) are not supported: save the file as .xlsx."))
    if extension in ("heic", "heif"):
        raise MenuImportError(
            _("iPhone HEIC photos are not supported: send a JPEG or PNG (a screenshot of the photo works).")
        )
    kind = EXTENSIONS.get(extension)
    if kind is None:
        raise MenuImportError(
            _(
                "Unsupported file type: send a CSV, an Excel workbook (.xlsx), a PDF "
                "or a photo (JPEG, PNG, WebP)."
            )
        )
    looks_right = {
        CSV: looks_like_text(head[:4096]),
        XLSX: head.startswith(b"PK\x03\x04"),
        PDF: head.lstrip()[:5] == b"%PDF-",
        IMAGE: image_mime(head) is not None,
    }[kind]
    if not looks_right:
        raise MenuImportError(
            _("This file's content does not match its .%(extension)s name: export it again.")
            % {"extension": extension}
        )
    return kind


# --- entry point -------------------------------------------------------------------------------
def extract(kind: str, data: bytes, *, on_progress: Progress | None = None) -> list[MenuRow]:
    """The rows found in the file, in the file's order; raises MenuImportError."""
    if len(data) > MAX_BYTES:
        raise MenuImportError(too_large_message())
    readers: dict[str, Callable[[bytes, Progress], list[MenuRow]]] = {
        CSV: rows_from_csv,
        XLSX: rows_from_xlsx,
        PDF: rows_from_pdf,
        IMAGE: rows_from_image,
    }
    rows = readers[kind](data, on_progress or (lambda fraction: None))
    if not rows:
        raise MenuImportError(_("No menu item was found in this file: check that it lists names and prices."))
    if len(rows) > MAX_ROWS:
        raise MenuImportError(
            _("This menu has %(count)s items, more than the %(limit)s one import takes: split the file.")
            % {"count": len(rows), "limit": MAX_ROWS}
        )
    return rows


def too_large_message() -> str:
    return _(
        "The file is larger than %(size)s MB: send a smaller one (a lighter photo, or only the menu pages)."
    ) % {"size": MAX_BYTES // (1024 * 1024)}
