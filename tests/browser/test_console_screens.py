"""Every console and scanner page at phone (390x844) and desktop (1366x900) widths: nothing wider than the
screen (no sideways scrolling on a phone), and a screenshot of each in test-artifacts/browser/ to look at."""

from __future__ import annotations

import secrets

import pytest
from console_support import ADMIN, ORGANIZER, buy_by_card, sign_in_to_console
from storefront_support import screenshot

from localrun.testing import create_event_on_sale, pista_sector

WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}


# Controls a person can reach whose accessible name is empty (no <label>, aria-label or text).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button, a[href], video')]
  .filter((el) => el.offsetParent !== null || el.closest('dialog[open]'))
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby') && !el.textContent.trim() && !el.querySelector('img[alt]:not([alt=""])'))
  .map((el) => el.outerHTML.slice(0, 120))"""


def assert_fits(page, what: str) -> None:
    """Nothing wider than the screen, and every visible control has a name (tests find them by it)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} is {overflow}px wider than the screen"
    assert page.evaluate(UNLABELLED) == [], f"controls without an accessible name on {what}"


@pytest.mark.parametrize("size", list(WIDTHS))
def test_console_pages_fit_the_screen(open_page, api, organizer_token, new_buyer, size):
    width, height = WIDTHS[size]
    made = create_event_on_sale(
        api,
        organizer_token,
        name=f"Noite de Forró com um nome bem comprido {secrets.token_hex(3)}",
        city="Campina Grande",
        service_fee_percent=10,
        sectors=[
            pista_sector(9000, 200, lote=(7000, 50)),
            {
                "name": "Camarote",
                "kind": "seated",
                "price_cents": 25000,
                "rows": [{"row": r, "seats": 20} for r in "AB"],
            },
        ],
        products=[{"name": "Estacionamento", "price_cents": 2500, "stock": 30}],
    )
    pista = made["sectors"][0]["id"]
    buyer = new_buyer()
    buy_by_card(
        api,
        buyer,
        made["id"],
        [{"sector_id": pista, "quantity": 2, "type": "half", "half_category": "teacher"}],
    )
    page = open_page(width, height, "/console.html")
    assert_fits(page, "the sign-in page")
    screenshot(page, f"console-sign-in-{size}")
    sign_in_to_console(page, *ORGANIZER)
    pages = {
        "events": ("#/", "Meus eventos", made["event"]["name"]),
        "new-event": ("#/evento/novo", "Novo evento", "Nome do evento"),
        "event": (f"#/evento/{made['id']}", made["event"]["name"], "Situação"),
        "sales": (f"#/evento/{made['id']}/vendas", f"Vendas — {made['event']['name']}", "Ingressos vendidos"),
        "orders": (f"#/evento/{made['id']}/pedidos", f"Pedidos — {made['event']['name']}", "1 pedido"),
    }
    for name, (hash_, title, text) in pages.items():
        page.goto(page.url.split("#")[0] + hash_)
        page.get_by_role("heading", name=title, level=1).wait_for()
        page.get_by_text(text).first.wait_for()
        if name == "event":
            page.get_by_label("Numerado (assentos marcados)").check()
            page.get_by_label("Fileira 1: assentos", exact=True).fill("30")
        if name == "orders":
            page.get_by_role("button", name=f"Ver pedido de {buyer.email}").click()
            page.get_by_role("button", name="Reembolsar pedido").wait_for()
        assert_fits(page, f"the {name} page")
        screenshot(page, f"console-{name}-{size}")
    page.get_by_role("button", name="Sair").click()
    sign_in_to_console(page, *ADMIN)
    page.get_by_role("button", name="Nomear organizador").wait_for()
    assert_fits(page, "the organizers page")
    screenshot(page, f"console-admin-{size}")


@pytest.mark.parametrize("size", list(WIDTHS))
def test_scanner_pages_fit_the_screen(open_page, api, organizer_token, size):
    width, height = WIDTHS[size]
    made = create_event_on_sale(
        api,
        organizer_token,
        name=f"Porta {secrets.token_hex(3)}",
        sectors=[pista_sector(9000, 20)],
    )
    page = open_page(width, height, "/scanner.html")
    assert_fits(page, "the scanner's sign-in")
    screenshot(page, f"scanner-sign-in-{size}")
    page.get_by_label("E-mail").fill(ORGANIZER[0])
    page.get_by_label("Senha").fill(ORGANIZER[1])
    page.get_by_role("button", name="Entrar").click()
    page.get_by_label("Evento").select_option(made["id"])
    screenshot(page, f"scanner-event-{size}")
    page.get_by_role("button", name="Validar ingressos deste evento").click()
    page.get_by_label("Código do ingresso").fill("CODIGO-QUE-NAO-EXISTE")
    assert_fits(page, "the scanner")
    screenshot(page, f"scanner-{size}")
    page.get_by_role("button", name="Validar código").click()
    page.get_by_role("alertdialog", name="INGRESSO DESCONHECIDO").wait_for()
    assert_fits(page, "the scanner's answer")
    screenshot(page, f"scanner-unknown-{size}")
