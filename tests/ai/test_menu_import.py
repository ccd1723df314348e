"""Menu import through its HTTP doors: a CSV, an Excel workbook, a PDF or a photo is sent to
/api/ai/menu-upload, read by the ai.extract_menu task (eager here), reviewed via
/api/ai/upload-status/{id}, and written by /api/ai/process-menu. alice owns the pizzeria, bob
works there, carol owns a salon and must never reach alice's uploads."""

from __future__ import annotations

import io
import json
import struct
import zlib
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from ai import menu_import
from ai.models import MenuUpload
from stores.events import store_data_changed
from stores.models import Category, Product, ProductVariation, Store
from tests.factories import CategoryFactory, ProductFactory
from tests.fakes.openai import FakeOpenAI, text
from tests.system_tools import needs

UPLOAD, PROCESS = "/api/ai/menu-upload", "/api/ai/process-menu"


def status_url(upload_id: int) -> str:
    return f"/api/ai/upload-status/{upload_id}"


@pytest.fixture
def owner(alice_client: Client) -> Client:
    # Messages are asserted in English; the worker writes in the language of the upload request.
    alice_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return alice_client


@pytest.fixture
def margherita(pizzeria: Store) -> Product:
    pizzas = CategoryFactory(store=pizzeria, name="Pizzas")
    return ProductFactory(store=pizzeria, category=pizzas, name="Margherita", price=Decimal("8.00"))


@pytest.fixture
def data_changes() -> Any:
    sent: list[int] = []

    def receiver(sender: object, store_id: int, **kwargs: object) -> None:
        sent.append(store_id)

    store_data_changed.connect(receiver, dispatch_uid="test-menu-import")
    yield sent
    store_data_changed.disconnect(dispatch_uid="test-menu-import")


def send(client: Client, store: Store, name: str, content: bytes, capture: Any) -> Any:
    """Upload a file; the task runs (eagerly) once the upload's row is committed."""
    with capture(execute=True):
        return client.post(UPLOAD, {"store_id": store.pk, "file": SimpleUploadedFile(name, content)})


def read(client: Client, store: Store, name: str, content: bytes, capture: Any) -> dict[str, Any]:
    response = send(client, store, name, content, capture)
    assert response.status_code == 202, response.content
    status = client.get(status_url(response.json()["id"]))
    assert status.status_code == 200
    return status.json()


def found(upload: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(row["category"], row["name"], row["price"]) for row in upload["rows"]]


def catalog(store: Store) -> set[tuple[str, str, str]]:
    return {
        (p.category.name if p.category else "", p.name, str(p.price))
        for p in Product.objects.filter(store=store).select_related("category")
    }


def import_rows(client: Client, upload_id: int, rows: list[dict[str, Any]]) -> Any:
    return client.post(PROCESS, {"upload_id": upload_id, "rows": rows}, content_type="application/json")


def create(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**row, "action": "create", **changes}


# --- CSV ----------------------------------------------------------------------------------------
FRENCH_CSV = (
    "nom;prix;catégorie;description\n"
    "Margherita;9,50 €;Pizzas;Tomate, mozzarella, basilic\n"
    "Reine;11,00 €;Pizzas;Jambon, champignons\n"
    "Tiramisu;6 €;Desserts;\n"
    "Coca-Cola 33 cl;3,00;Boissons;\n"
).encode("cp1252")  # as French Excel on Windows saves it


def test_a_french_csv_is_reviewed_then_imported_with_an_edit_a_skip_and_an_update(
    owner, pizzeria, margherita, data_changes, django_capture_on_commit_callbacks
):
    upload = read(owner, pizzeria, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)

    assert upload["status"] == "done" and upload["progress"] == 100 and upload["kind"] == "csv"
    assert found(upload) == [
        ("Pizzas", "Margherita", "9.50"),
        ("Pizzas", "Reine", "11.00"),
        ("Desserts", "Tiramisu", "6.00"),
        ("Boissons", "Coca-Cola 33 cl", "3.00"),
    ]
    first, reine, tiramisu, coca = upload["rows"]
    assert first["match"] == {
        "product_id": margherita.pk,
        "name": "Margherita",
        "price": "8.00",
        "score": 100,
    }
    assert reine["match"] is None

    response = import_rows(
        owner,
        upload["id"],
        [
            {**first, "action": "update", "product_id": margherita.pk},
            create(reine, name="Pizza Reine", price="11,50"),  # edited in the review table
            create(tiramisu),
            {**coca, "action": "skip"},
        ],
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "upload_id": upload["id"],
        "status": "imported",
        "created": 2,
        "updated": 1,
        "skipped": 1,
        "categories_created": 1,
        "removed": 0,
    }
    assert catalog(pizzeria) == {
        ("Pizzas", "Margherita", "9.50"),
        ("Pizzas", "Pizza Reine", "11.50"),
        ("Desserts", "Tiramisu", "6.00"),
    }
    margherita.refresh_from_db()
    assert margherita.description == "Tomate, mozzarella, basilic"
    assert Category.objects.filter(store=pizzeria, name__iexact="pizzas").count() == 1
    assert data_changes == [pizzeria.pk]  # one signal for the whole import: the context cache
    stored = MenuUpload.objects.get(pk=upload["id"])
    assert stored.status == "imported" and stored.imported_at is not None and bytes(stored.content) == b""


def test_a_comma_csv_with_english_headers_quotes_and_heading_rows(
    owner, pizzeria, django_capture_on_commit_callbacks
):
    content = (
        "\ufeffProduct name,Price (€)\n"
        "PIZZAS,\n"
        'Margherita,"9,50 €"\n'
        "Pizza Reine,€11.00\n"
        "DRINKS,\n"
        "Lemonade,3\n"
        "Still water,on request\n"
    ).encode()

    upload = read(owner, pizzeria, "menu.csv", content, django_capture_on_commit_callbacks)

    assert found(upload) == [
        ("PIZZAS", "Margherita", "9.50"),
        ("PIZZAS", "Pizza Reine", "11.00"),
        ("DRINKS", "Lemonade", "3.00"),
        ("DRINKS", "Still water", ""),
    ]
    assert upload["rows"][3]["warning"] == "Price not understood: “on request”."


def test_a_tab_separated_file_is_read_too(owner, pizzeria, django_capture_on_commit_callbacks):
    content = b"name\tprice\tcategory\nMargherita\t9.50\tPizzas\n"

    upload = read(owner, pizzeria, "menu.tsv", content, django_capture_on_commit_callbacks)

    assert found(upload) == [("Pizzas", "Margherita", "9.50")]


def test_excels_unicode_text_export_in_utf16_is_read(owner, pizzeria, django_capture_on_commit_callbacks):
    content = "Nom\tPrix\nCrème brûlée\t6,50 €\n".encode("utf-16")  # with its byte-order mark

    upload = read(owner, pizzeria, "carte.txt", content, django_capture_on_commit_callbacks)

    assert found(upload) == [("", "Crème brûlée", "6.50")]


# --- Excel --------------------------------------------------------------------------------------
def test_an_excel_workbook_with_a_sheet_per_section_is_imported(
    owner, pizzeria, django_capture_on_commit_callbacks
):
    from openpyxl import Workbook

    workbook = Workbook()
    pizzas = workbook.active
    pizzas.title = "Pizzas"
    pizzas.append(["Produit", "Prix TTC", "Ingrédients"])
    pizzas.append(["Margherita", 9.5, "Tomate, mozzarella"])
    pizzas.append(["Quatre fromages", 12, None])
    drinks = workbook.create_sheet("Boissons")
    drinks.append(["Produit", "Prix TTC"])
    drinks.append(["Limonade", "3,00 €"])
    workbook.create_sheet("Notes").append(["Commander avant 11 h"])  # no item columns: ignored
    buffer = io.BytesIO()
    workbook.save(buffer)

    upload = read(owner, pizzeria, "carte.xlsx", buffer.getvalue(), django_capture_on_commit_callbacks)

    assert upload["kind"] == "xlsx"
    assert found(upload) == [
        ("Pizzas", "Margherita", "9.50"),
        ("Pizzas", "Quatre fromages", "12.00"),
        ("Boissons", "Limonade", "3.00"),
    ]
    assert upload["rows"][0]["description"] == "Tomate, mozzarella"
    response = import_rows(owner, upload["id"], [create(row) for row in upload["rows"]])
    assert response.status_code == 200 and response.json()["created"] == 3
    assert catalog(pizzeria) == set(found(upload))


# --- PDF ----------------------------------------------------------------------------------------
def one_page_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing the lines in Helvetica (WinAnsi, so "€" is one byte)."""
    ops = ["BT", "/F1 14 Tf", "16 TL", "72 760 Td"]
    ops += [
        "({}) Tj T*".format(line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
        for line in lines
    ]
    stream = "\n".join([*ops, "ET"]).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def test_a_pdf_menu_is_read_line_by_line_with_headings_as_categories(
    owner, pizzeria, django_capture_on_commit_callbacks
):
    pdf = one_page_pdf(
        [
            "PIZZAS",
            "Margherita ........ 9,50 €",
            "Tomate, mozzarella, basilic",
            "Pizza Reine 11.00",
            "DESSERTS",
            "Tiramisu maison – mascarpone, café 6,00 €",
            "Tél. 01 23 45 67 89",
        ]
    )

    upload = read(owner, pizzeria, "carte.pdf", pdf, django_capture_on_commit_callbacks)

    assert upload["kind"] == "pdf" and upload["status"] == "done"
    assert found(upload) == [
        ("PIZZAS", "Margherita", "9.50"),
        ("PIZZAS", "Pizza Reine", "11.00"),
        ("DESSERTS", "Tiramisu maison", "6.00"),
    ]
    assert [row["description"] for row in upload["rows"]] == [
        "Tomate, mozzarella, basilic",
        "",
        "mascarpone, café",
    ]


def test_a_scanned_pdf_without_text_fails_with_a_way_forward(
    owner, pizzeria, django_capture_on_commit_callbacks
):
    upload = read(owner, pizzeria, "scan.pdf", one_page_pdf([]), django_capture_on_commit_callbacks)

    assert upload["status"] == "failed"
    assert (
        upload["error"]
        == "This PDF contains no text (it is probably a scan): send a photo of the menu instead."
    )


# --- photos -------------------------------------------------------------------------------------
# A 5×7 bitmap font for the few letters the photo test needs: no imaging library required.
GLYPHS = {
    "A": ".###.|#...#|#...#|#####|#...#|#...#|#...#",
    "E": "#####|#....|#....|####.|#....|#....|#####",
    "G": ".###.|#...#|#....|#.###|#...#|#...#|.###.",
    "H": "#...#|#...#|#...#|#####|#...#|#...#|#...#",
    "I": ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
    "M": "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
    "N": "#...#|##..#|#.#.#|#..##|#...#|#...#|#...#",
    "P": "####.|#...#|#...#|####.|#....|#....|#....",
    "R": "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
    "S": ".####|#....|#....|.###.|....#|....#|####.",
    "T": "#####|..#..|..#..|..#..|..#..|..#..|..#..",
    "Z": "#####|....#|...#.|..#..|.#...|#....|#####",
    "0": ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
    "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    "5": "#####|#....|####.|....#|....#|#...#|.###.",
    "9": ".###.|#...#|#...#|.####|....#|...#.|.##..",
    ".": ".....|.....|.....|.....|.....|.##..|.##..",
    " ": ".....|.....|.....|.....|.....|.....|.....",
}


def menu_photo(lines: list[str], scale: int = 3, margin: int = 20) -> bytes:
    """A greyscale PNG of the lines in black on white, as a phone photo of a menu would show."""
    pixels: list[list[int]] = []
    width = max(len(line) for line in lines) * 6
    for line in lines:
        for row in range(7):
            bits = "".join(GLYPHS[char].split("|")[row] + "." for char in line).ljust(width, ".")
            pixels += [[0 if bit == "#" else 255 for bit in bits for _ in range(scale)]] * scale
        pixels += [[255] * width * scale] * (5 * scale)
    full = width * scale + 2 * margin
    image = (
        [[255] * full] * margin
        + [[255] * margin + row + [255] * margin for row in pixels]
        + [[255] * full] * margin
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(row) for row in image)
    header = struct.pack(">IIBBBBB", full, len(image), 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@needs("tesseract")
def test_a_photo_is_read_with_tesseract(owner, pizzeria, settings, django_capture_on_commit_callbacks):
    settings.MENU_PHOTO_READER = "tesseract"
    photo = menu_photo(["PIZZAS", "MARGHERITA 9.50", "REINE 11.00"])

    upload = read(owner, pizzeria, "photo.png", photo, django_capture_on_commit_callbacks)

    assert upload["kind"] == "image" and upload["status"] == "done", upload["error"]
    assert found(upload) == [("PIZZAS", "MARGHERITA", "9.50"), ("PIZZAS", "REINE", "11.00")]


def test_a_photo_is_read_by_openai_vision_when_configured(
    owner, pizzeria, settings, django_capture_on_commit_callbacks
):
    items = [
        {
            "category": "Pizzas",
            "name": "Margherita",
            "description": "Tomate, mozzarella",
            "price": "9.50",
            "sizes": [{"name": "Petite", "price": "9.50"}, {"name": "Grande", "price": "13,50"}],
        },
        {"category": "Boissons", "name": "Limonade", "description": "", "price": 3, "sizes": []},
    ]
    photo = menu_photo(["PIZZAS"])  # what the model sees does not matter to the fake
    with FakeOpenAI() as fake:
        settings.MENU_PHOTO_READER = "openai"
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = fake.api_key, fake.base_url
        fake.queue(text(json.dumps({"items": items})))
        upload = read(owner, pizzeria, "photo.png", photo, django_capture_on_commit_callbacks)
        [request] = fake.chat_requests

    assert request["response_format"] == {"type": "json_object"}
    image = request["messages"][1]["content"][1]["image_url"]["url"]
    assert image.startswith("data:image/png;base64,")
    assert found(upload) == [("Pizzas", "Margherita", "9.50"), ("Boissons", "Limonade", "3.00")]
    assert upload["rows"][0]["variations"] == [
        {"name": "Petite", "price": "9.50"},
        {"name": "Grande", "price": "13.50"},
    ]

    response = import_rows(owner, upload["id"], [create(row) for row in upload["rows"]])

    assert response.status_code == 200, response.content
    sizes = ProductVariation.objects.filter(product__name="Margherita", product__store=pizzeria)
    assert [(v.type, v.name, v.value, str(v.price), v.is_default) for v in sizes] == [
        ("size", "Taille", "Petite", "9.50", True),  # named in the store's language
        ("size", "Taille", "Grande", "13.50", False),
    ]


def test_a_photo_without_any_reader_fails_saying_what_to_install(
    owner, pizzeria, settings, django_capture_on_commit_callbacks
):
    settings.MENU_PHOTO_READER = "openai"  # and no OpenAI key (the offline default)

    upload = read(
        owner,
        pizzeria,
        "photo.jpg",
        b"\xff\xd8\xff\xe0 not much of a photo",
        django_capture_on_commit_callbacks,
    )

    assert upload["status"] == "failed" and upload["progress"] == 100
    assert upload["error"] == "Photo import needs tesseract (apt-get install tesseract-ocr) or an OpenAI key."


# --- refused files ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("menu.docx", b"PK\x03\x04 word", "Unsupported file type"),
        ("menu.xls", b"\xd0\xcf\x11\xe0", "Old Excel files (.xls) are not supported"),
        ("menu.pdf", b"nom;prix\n", "This file's content does not match its .pdf name"),
        ("menu.csv", b"", "The file is empty."),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_naming_the_file_field(
    owner, pizzeria, name, content, message, django_capture_on_commit_callbacks
):
    response = send(owner, pizzeria, name, content, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and body["errors"][0]["field"] == "file"
    assert body["detail"].startswith(message)
    assert not MenuUpload.objects.exists()


def test_a_file_over_five_megabytes_is_refused(owner, pizzeria, django_capture_on_commit_callbacks):
    content = b"nom;prix\n" + b"x" * menu_import.MAX_BYTES

    response = send(owner, pizzeria, "menu.csv", content, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "file",
            "message": (
                "The file is larger than 5 MB: send a smaller one (a lighter photo, or only the menu pages)."
            ),
        }
    ]


def test_a_csv_without_name_and_price_columns_fails_with_the_reason(
    owner, pizzeria, django_capture_on_commit_callbacks
):
    upload = read(owner, pizzeria, "export.csv", b"foo,bar\n1,2\n", django_capture_on_commit_callbacks)

    assert upload["status"] == "failed" and upload["rows"] == []
    assert upload["error"].startswith(
        "The first row must name the columns: one for the name (name, nom or produit)"
    )


def test_a_menu_over_the_row_limit_fails(owner, pizzeria, django_capture_on_commit_callbacks):
    lines = "".join(f"Item {n},1.00\n" for n in range(menu_import.MAX_ROWS + 1))

    upload = read(
        owner, pizzeria, "big.csv", f"name,price\n{lines}".encode(), django_capture_on_commit_callbacks
    )

    assert upload["status"] == "failed"
    assert "more than the 500 one import takes" in upload["error"]


# --- processing ---------------------------------------------------------------------------------
@pytest.fixture
def ready(owner, pizzeria, django_capture_on_commit_callbacks) -> dict[str, Any]:
    return read(owner, pizzeria, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)


def test_an_upload_is_imported_once(owner, ready):
    rows = [create(row) for row in ready["rows"]]
    assert import_rows(owner, ready["id"], rows).status_code == 200

    again = import_rows(owner, ready["id"], rows)

    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert again.json()["detail"].startswith("This menu was already imported")
    assert Product.objects.count() == 4


def test_bad_rows_are_all_named_and_nothing_is_written(owner, pizzeria, ready):
    bad = [
        create(ready["rows"][0], price="-3"),
        create(ready["rows"][1], name="  "),
        create(ready["rows"][2], price="cheap"),
        {**ready["rows"][3], "action": "update", "product_id": None},
    ]

    response = import_rows(owner, ready["id"], bad)

    assert response.status_code == 422
    body = response.json()
    assert [(e["field"], e["row"]) for e in body["errors"]] == [
        ("rows.0.price", 0),
        ("rows.1.name", 1),
        ("rows.2.price", 2),
        ("rows.3.product_id", 3),
    ]
    assert body["errors"][0]["message"] == "Row 1: the price cannot be negative."
    assert body["errors"][1]["message"] == "Row 2: the name is empty."
    assert not Product.objects.filter(store=pizzeria).exists()
    assert not Category.objects.filter(store=pizzeria).exists()
    # Still importable once fixed.
    assert MenuUpload.objects.get(pk=ready["id"]).status == "done"
    fixed = import_rows(owner, ready["id"], [create(row) for row in ready["rows"]])
    assert fixed.status_code == 200 and fixed.json()["created"] == 4


def test_a_row_with_a_wrong_action_is_refused_by_the_schema_with_its_index(owner, ready):
    response = import_rows(owner, ready["id"], [{**ready["rows"][0], "action": "merge"}])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rows.0.action"


def test_an_update_of_another_stores_product_is_refused(owner, ready, salon):
    carols = ProductFactory(store=salon, name="Margherita")

    response = import_rows(
        owner, ready["id"], [{**ready["rows"][0], "action": "update", "product_id": carols.pk}]
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Row 1: the item to update is not in this store's menu."
    carols.refresh_from_db()
    assert carols.price == Decimal("10.00")


def test_an_upload_still_being_read_cannot_be_imported(owner, pizzeria):
    # Without the commit callbacks the task is never queued: the upload stays queued.
    response = owner.post(
        UPLOAD, {"store_id": pizzeria.pk, "file": SimpleUploadedFile("carte.csv", FRENCH_CSV)}
    )
    assert response.status_code == 202
    assert response.json()["status"] == "queued" and response.json()["progress"] == 0

    early = import_rows(
        owner, response.json()["id"], [{"action": "create", "name": "Margherita", "price": "9"}]
    )

    assert early.status_code == 409
    assert early.json()["detail"] == "This file is still being read: wait for the review table."


def test_an_import_of_200_rows_takes_a_handful_of_queries(
    owner, pizzeria, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    lines = "".join(f"Item {n};{n},50;Section {n % 7}\n" for n in range(200))
    upload = read(
        owner,
        pizzeria,
        "big.csv",
        f"nom;prix;catégorie\n{lines}".encode(),
        django_capture_on_commit_callbacks,
    )
    rows = [create(row) for row in upload["rows"]]

    # Bulk writes, not a query per row (SQLite caps the parameters of one statement, so the
    # INSERT of 200 products of 30-odd columns each is split in seven).
    with django_assert_max_num_queries(24):
        response = import_rows(owner, upload["id"], rows)

    assert response.status_code == 200 and response.json()["created"] == 200
    assert response.json()["categories_created"] == 7
    assert Product.objects.filter(store=pizzeria).count() == 200


def test_polling_the_status_costs_a_few_queries(owner, ready, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert owner.get(status_url(ready["id"])).status_code == 200


# --- tenancy ------------------------------------------------------------------------------------
def test_carol_cannot_see_or_import_alices_upload(carol_client, ready):
    assert carol_client.get(status_url(ready["id"])).status_code == 404
    response = import_rows(carol_client, ready["id"], [create(ready["rows"][0])])
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert MenuUpload.objects.get(pk=ready["id"]).status == "done"


def test_carol_cannot_upload_to_alices_store(carol_client, pizzeria, django_capture_on_commit_callbacks):
    response = send(carol_client, pizzeria, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)

    assert response.status_code == 404
    assert not MenuUpload.objects.exists()


def test_bob_works_at_the_pizzeria_but_cannot_rewrite_its_menu(bob_client, pizzeria, ready):
    assert (
        bob_client.post(
            UPLOAD, {"store_id": pizzeria.pk, "file": SimpleUploadedFile("a.csv", FRENCH_CSV)}
        ).status_code
        == 403
    )
    assert bob_client.get(status_url(ready["id"])).status_code == 403
    assert bob_client.get(f"/stores/{pizzeria.pk}/menu/import/").status_code == 403


def test_the_api_asks_to_log_in(pizzeria):
    response = Client().post(
        UPLOAD, {"store_id": pizzeria.pk, "file": SimpleUploadedFile("a.csv", FRENCH_CSV)}
    )

    assert response.status_code == 401


# --- the page -----------------------------------------------------------------------------------
def test_the_import_page_renders_for_the_owner(owner, pizzeria):
    response = owner.get(f"/stores/{pizzeria.pk}/menu/import/?next=/onboarding/")

    assert response.status_code == 200
    page = response.content.decode()
    for element_id in (
        "menu-file",
        "menu-upload-btn",
        "menu-progress",
        "menu-review",
        "menu-import-btn",
        "menu-result",
    ):
        assert f'id="{element_id}"' in page
    assert 'for="menu-file"' in page and 'role="progressbar"' in page
    assert 'href="/onboarding/"' in page  # back to where the owner came from
    assert "/api/ai/upload-status/" in page and "js/menu_import.js" in page


def test_the_import_page_ignores_a_next_url_to_another_site(owner, pizzeria):
    response = owner.get(f"/stores/{pizzeria.pk}/menu/import/?next=https://evil.example/")

    assert response.status_code == 200
    assert 'href="https://evil.example/' not in response.content.decode()


def test_the_import_page_asks_to_log_in(pizzeria):
    response = Client().get(f"/stores/{pizzeria.pk}/menu/import/")

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_import_page_is_not_found_for_another_tenant(carol_client, pizzeria):
    assert carol_client.get(f"/stores/{pizzeria.pk}/menu/import/").status_code == 404


# --- the parsers, directly ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("9,50", "9.50"),
        ("9.50 €", "9.50"),
        ("€9.50", "9.50"),
        ("9€50", "9.50"),
        ("12", "12.00"),
        ("9,50 EUR", "9.50"),
        ("-3", None),
        ("sur demande", None),
        ("9,505", None),
        ("", None),
    ],
)
def test_prices_are_understood_as_owners_write_them(typed, amount):
    parsed = menu_import.parse_price(typed)

    assert (None if parsed is None else str(parsed)) == amount


def test_a_line_with_several_prices_keeps_the_first_and_says_so():
    with translation.override("en"):
        [row] = menu_import.rows_from_text("Calzone 9,50 12,50")

    assert (row.name, row.price) == ("Calzone", "9.50")
    assert row.warning.startswith("Several prices on this line (9.50, 12.50)")


def test_a_price_on_the_line_after_its_name_belongs_to_it():
    rows = menu_import.rows_from_text("DESSERTS\nTiramisu\n6,00 €\n2\n")

    assert [(r.category, r.name, r.price) for r in rows] == [("DESSERTS", "Tiramisu", "6.00")]


def test_near_names_match_the_catalog_but_different_items_do_not():
    catalog = [menu_import.CatalogEntry(product_id=1, name="Pizza Reine", price="11.00")]
    rows = [
        menu_import.MenuRow(name=name, price="1.00")
        for name in ("pizza reine", "Pizza Reines", "Reine blanche")
    ]

    matched = menu_import.match_rows(rows, catalog)

    assert [row.match.product_id if row.match else None for row in matched] == [1, 1, None]


def test_diet_and_allergen_columns_are_read_reviewed_and_written(
    owner, pizzeria, django_capture_on_commit_callbacks
):
    content = (
        "nom;prix;régime;allergènes\n"
        "Margherita;9,50;végétarien;gluten, lait\n"
        "Bruschetta;6,50;vegan, sans gluten;\n"
        "Tiramisu;6;;oeufs, lait, poussière de fée\n"
    ).encode()
    upload = read(owner, pizzeria, "carte.csv", content, django_capture_on_commit_callbacks)
    rows = {row["name"]: row for row in upload["rows"]}
    assert rows["Margherita"]["dietary"] == ["vegetarian"]
    assert rows["Margherita"]["allergens"] == ["gluten", "milk"]
    assert rows["Bruschetta"]["dietary"] == ["vegan", "gluten_free"]
    assert rows["Tiramisu"]["allergens"] == ["eggs", "milk"]
    assert "poussière de fée" in rows["Tiramisu"]["warning"]

    bad = import_rows(owner, upload["id"], [create(upload["rows"][0], dietary=["veggie"])])
    assert bad.status_code == 422 and "rows.0.dietary.0" in {e["field"] for e in bad.json()["errors"]}

    assert import_rows(owner, upload["id"], [create(row) for row in upload["rows"]]).status_code == 200
    margherita = Product.objects.get(store=pizzeria, name="Margherita")
    assert (margherita.diet_vegetarian, margherita.allergen_gluten, margherita.allergen_milk) == (
        True,
        True,
        True,
    )
    # Not in the file: unknown, never "no".
    assert margherita.allergen_nuts is None and margherita.diet_vegan is None
    bruschetta = Product.objects.get(store=pizzeria, name="Bruschetta")
    assert bruschetta.diet_vegan is True and bruschetta.diet_gluten_free is True
