"""The markup the phone layout stands on, through HTTP: the header's Menu button names the menu it
opens, and every cell of the orders, calls and customers lists carries its column's name
(data-label) in the page's language, so a list read as cards on a phone keeps its labels."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from telephony.models import Call
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


class _Table(HTMLParser):
    """The column headers and each body row's (data-label, class) per cell of one table."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.where = table_id, False, ""
        self.headers: list[str] = []
        self.rows: list[list[tuple[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == self.table_id:
            self.inside = True
            self.table_class = a.get("class") or ""
        elif self.inside and tag in ("thead", "tbody"):
            self.where = tag
        elif self.inside and tag == "th" and self.where == "thead":
            self.headers.append("")
        elif self.inside and tag == "tr" and self.where == "tbody":
            self.rows.append([])
        elif self.inside and tag == "td" and self.where == "tbody":
            self.rows[-1].append((a.get("data-label") or "", a.get("class") or ""))
        self.last = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.where == "thead" and self.last == "th" and data.strip():
            self.headers[-1] += data.strip()


def _table(html: str, table_id: str) -> _Table:
    parser = _Table(table_id)
    parser.feed(html)
    assert parser.rows, f"no row in #{table_id}"
    return parser


@pytest.fixture
def lists(pizzeria) -> None:
    customer = CustomerFactory(business=pizzeria.business, name="Julie", phone="+33611111111")
    OrderFactory(store=pizzeria, customer=customer)
    Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        customer=customer,
        call_control_id="v3:phone-layout",
        from_number=customer.phone,
        to_number="+33100000001",
        status=Call.Status.COMPLETED,
        started_at=timezone.now(),
        ai_summary="Question sur les horaires.",
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_menu_button_names_the_menu_it_folds(alice_client, pizzeria, lang):
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert 'id="menu-toggle" aria-expanded="false" aria-controls="site-menu"' in html
    assert 'id="site-menu"' in html
    assert "Menu" in html
    # The links, the store switch, the language and theme controls are all inside the menu.
    menu = html.split('id="site-menu"', 1)[1].split("</nav>", 1)[0]
    controls = ('href="/calls/', 'href="/orders/', 'id="store-switch"', 'id="language"', 'id="theme-toggle"')
    for control in controls:
        assert control in menu, control


@pytest.mark.parametrize(
    ("path", "table_id", "key_first", "lang"),
    [
        ("/orders/", "orders-table", ["Commande", "Client", "Total", "Statut"], "fr"),
        ("/orders/", "orders-table", ["Order", "Customer", "Total", "Status"], "en"),
        ("/calls/", "calls-table", ["Quand", "Appelant", "Résultat"], "fr"),
        ("/calls/", "calls-table", ["When", "Caller", "Outcome"], "en"),
        ("/customers/", "customers-table", ["Client", "Statut"], "fr"),
        ("/customers/", "customers-table", ["Customer", "Status"], "en"),
    ],
)
def test_every_list_cell_carries_its_label_and_the_key_ones_come_first(
    alice_client, lists, path, table_id, key_first, lang
):
    response = alice_client.get(path, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    table = _table(response.content.decode(), table_id)
    assert "table-cards" in table.table_class
    for row in table.rows:
        assert len(row) == len(table.headers)
        labels = [label for label, _ in row]
        assert all(labels), labels
        # On a phone the cells marked card-later move after the others (CSS order).
        card_order = [label for label, cls in row if "card-later" not in cls.split()]
        card_order += [label for label, cls in row if "card-later" in cls.split()]
        assert card_order[: len(key_first)] == key_first, card_order
    # Each label is its column's header (the order number's column is headed "#").
    for (label, _), header in zip(table.rows[0], table.headers, strict=True):
        assert header == "#" or label.upper() == header.upper(), (label, header)
