"""Menus as photos: OCR with Debian's tesseract when installed, else OpenAI vision when configured."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from functools import lru_cache

import openai
from django.conf import settings
from django.utils.translation import gettext as _

from ai.menu_import.rows import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    MenuImportError,
    MenuRow,
    Progress,
    Size,
    clip,
    parse_price,
    price_text,
)
from ai.menu_import.text import rows_from_text


def image_mime(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@lru_cache(maxsize=1)
def _tesseract_languages(binary: str) -> str:
    """fra+eng as far as the installed language packs go (tesseract-ocr-fra, -eng)."""
    try:
        listed = subprocess.run(  # noqa: S603 - our own argument list, no shell
            [binary, "--list-langs"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return "eng"
    return "+".join(lang for lang in ("fra", "eng") if lang in listed) or "eng"


def photo_reader() -> str | None:
    """The photo reader to use: "tesseract", "openai", or None when this server has neither."""
    choice = settings.MENU_PHOTO_READER
    if choice in ("auto", "tesseract") and shutil.which("tesseract"):
        return "tesseract"
    if choice in ("auto", "openai") and settings.OPENAI_API_KEY:
        return "openai"
    return None


def rows_from_image(data: bytes, on_progress: Progress) -> list[MenuRow]:
    reader = photo_reader()
    if reader is None:
        raise MenuImportError(
            _("Photo import needs tesseract (apt-get install tesseract-ocr) or an OpenAI key.")
        )
    on_progress(0.1)
    rows = _read_with_tesseract(data) if reader == "tesseract" else _read_with_openai(data)
    on_progress(1.0)
    return rows


def _read_with_tesseract(data: bytes) -> list[MenuRow]:
    binary = shutil.which("tesseract") or "tesseract"
    # --psm 4: one column of lines of varied sizes, which keeps a name and its price on one line.
    command = [binary, "stdin", "stdout", "-l", _tesseract_languages(binary), "--psm", "4"]
    try:
        done = subprocess.run(  # noqa: S603 - our own argument list, no shell
            command, input=data, capture_output=True, timeout=settings.MENU_PHOTO_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise MenuImportError(
            _("Reading the photo took too long: send a smaller or sharper photo.")
        ) from None
    if done.returncode != 0:
        raise MenuImportError(_("This image could not be read: send a JPEG or PNG photo of the menu."))
    return rows_from_text(done.stdout.decode("utf-8", errors="replace"))


_VISION_PROMPT = (
    "You read restaurant and shop menus from photos. Return only JSON: "
    '{"items": [{"category": "", "name": "", "description": "", "price": "9.50", '
    '"sizes": [{"name": "", "price": ""}]}]}. One item per dish or product, in the menu\'s order, '
    "with the heading it sits under as category, text in the menu's language, prices as decimal "
    "numbers without currency. When an item has several prices (sizes), price is the first and "
    "sizes lists them all with their labels. Leave out anything that is not an item with a price."
)


def _read_with_openai(data: bytes) -> list[MenuRow]:
    client = openai.OpenAI(
        api_key=settings.OPENAI_API_KEY,
        base_url=settings.OPENAI_BASE_URL,
        timeout=settings.MENU_PHOTO_TIMEOUT,
        max_retries=1,
    )
    data_url = f"data:{image_mime(data[:16]) or 'image/jpeg'};base64,{base64.b64encode(data).decode()}"
    try:
        completion = client.chat.completions.create(
            model=settings.OPENAI_MODEL,
            temperature=0,
            response_format={"type": "json_object"},
            messages=[
                {"role": "system", "content": _VISION_PROMPT},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "The menu:"},
                        {"type": "image_url", "image_url": {"url": data_url}},
                    ],
                },
            ],
        )
    except openai.OpenAIError as exc:
        raise MenuImportError(
            _("OpenAI could not read the photo (%(error)s): try again in a moment.")
            % {"error": type(exc).__name__}
        ) from None
    content = completion.choices[0].message.content if completion.choices else None
    try:
        items = json.loads(content or "")["items"]
        return [row for item in items if (row := _row_from_model(item)) is not None]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise MenuImportError(
            _("OpenAI's reading of the photo was not usable: try a sharper photo.")
        ) from None


def _row_from_model(item: object) -> MenuRow | None:
    if not isinstance(item, dict):
        return None
    name = clip(str(item.get("name") or ""), NAME_MAX)
    if not name:
        return None
    sizes: list[Size] = []
    for size in item.get("sizes") or []:
        if not isinstance(size, dict):
            continue
        label, amount = clip(str(size.get("name") or ""), 120), parse_price(str(size.get("price") or ""))
        if label and amount is not None:
            sizes.append(Size(name=label, price=price_text(amount)))
    amount = parse_price(str(item.get("price") or ""))
    price = price_text(amount) or (sizes[0].price if sizes else "")
    return MenuRow(
        name=name,
        price=price,
        category=clip(str(item.get("category") or ""), CATEGORY_MAX),
        description=clip(str(item.get("description") or ""), DESCRIPTION_MAX),
        # One size is no choice: it is the price.
        variations=tuple(sizes) if len(sizes) > 1 else (),
        warning="" if price else _("No price found for this item."),
    )
