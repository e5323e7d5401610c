"""Issue 22, a real buyer in Chromium at 1280x900 and on a 390x844 phone: the choice survives signing up,
errors in Portuguese at the field and in view, seats taken meanwhile, the keyboard seat map, fees shown
per ticket, half price needs its category, PIX QR after a reload, tickets with QR after a card payment,
expiry, my orders and my tickets. Controls are found by role and label."""

from __future__ import annotations

import re
import secrets

import pytest
from storefront_support import hold_seat, route_served, screenshot

from localrun.testing import random_cpf

WIDTHS = [pytest.param((1280, 900), id="desktop"), pytest.param((390, 844), id="phone")]
CARD_OK, CARD_DECLINED = "4111 1111 1111 1111", "4000 0000 0000 0002"


GOOD_PASSWORD = "Web-Senha-2026!"  # noqa: S105 - a test account


def fill_sign_up(page, password: str = GOOD_PASSWORD, cpf: str | None = None) -> dict:
    person = {"email": f"web-{secrets.token_hex(5)}@example.com", "password": password}
    page.get_by_label("Nome completo").fill("Beatriz Navegador")
    page.locator("#criar-email").fill(person["email"])
    page.get_by_label("CPF").fill(cpf or random_cpf())
    page.locator("#criar-senha").fill(password)
    page.get_by_role("button", name="Criar conta").click()
    return person


def sign_up(page) -> dict:
    page.goto(page.url.split("#")[0] + "#/entrar")
    person = fill_sign_up(page)
    page.get_by_role("button", name="Sair").wait_for()
    page.get_by_role("heading", name="Eventos à venda").wait_for()  # sent back home before the test moves on
    return person


def buyer_on_event_page(open_page, event: dict, width: int, height: int):
    """A window of this size where a new buyer has signed up and opened the event's page."""
    page = open_page(width=width, height=height)
    sign_up(page)
    page.goto(page.url.split("#")[0] + f"#/evento/{event['id']}")
    return page


def choose_sector(page, name: str) -> None:
    page.get_by_role("radio", name=re.compile(f"^{name}")).check()


def seat(page, label: str):
    return page.get_by_role("button", name=re.compile(f"^Assento {label},"))


@pytest.mark.parametrize("size", WIDTHS)
def test_the_choice_survives_signing_up_and_errors_are_portuguese_and_in_view(open_page, seated_event, size):
    event = seated_event()
    width, height = size
    page = open_page(width=width, height=height, path=f"/#/evento/{event['id']}")
    choose_sector(page, "Plateia")
    seat(page, "C-4").click()
    seat(page, "C-5").click()
    page.get_by_label("Estacionamento — R$ 25,00").fill("2")
    page.get_by_role("button", name="Reservar").click()
    page.get_by_role("heading", name="Entrar ou criar conta").wait_for()
    assert page.get_by_text("Sua escolha de ingressos está guardada").is_visible()

    fill_sign_up(page, password="senha-fraca-1", cpf="111.111.111-12")  # a bad CPF, no capital letter
    cpf_error = page.locator("#criar-cpf-erro")
    cpf_error.wait_for()
    assert "CPF inválido" in cpf_error.inner_text()
    assert page.get_by_label("CPF").get_attribute("aria-invalid") == "true"
    text = page.locator("main").inner_text()
    assert "not a valid" not in text and "cpf:" not in text and "password:" not in text
    focused = page.evaluate("document.activeElement.id")
    assert focused in ("criar-cpf", "criar-senha", "criar-nome", "criar-email")
    box = page.locator(f"#{focused}").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, "the first error is out of view"
    screenshot(page, f"10-sign-up-errors-{width}")

    page.get_by_label("CPF").fill(random_cpf())
    page.locator("#criar-senha").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Criar conta").click()
    page.locator(".countdown").wait_for()  # back on the event, the kept choice is held at once
    items = page.get_by_role("table", name="Itens do pedido").inner_text()
    assert "C-4" in items and "C-5" in items and "Estacionamento" in items
    assert "Reservado" in page.locator(".order-status").inner_text()
    screenshot(page, f"11-held-after-sign-up-{width}")


@pytest.mark.parametrize("size", WIDTHS)
def test_a_seat_taken_meanwhile_is_named_and_the_other_stays_chosen(
    open_page, seated_event, api, new_buyer, size
):
    event = seated_event()
    width, height = size
    page = buyer_on_event_page(open_page, event, width, height)
    choose_sector(page, "Plateia")
    seat(page, "A-1").click()
    seat(page, "A-2").click()
    other = new_buyer()
    hold_seat(api, other, event, "A-1")
    page.get_by_role("button", name="Reservar").click()
    note = page.get_by_text("A-1 acabou de ser reservado por outra pessoa; A-2 continua selecionado.")
    note.wait_for()
    assert seat(page, "A-2").get_attribute("aria-pressed") == "true"
    assert seat(page, "A-1").get_attribute("aria-disabled") == "true"
    assert seat(page, "A-1").inner_text().strip() == "1"  # a taken seat keeps its number
    box = note.bounding_box()
    assert box["y"] + box["height"] <= height
    screenshot(page, f"12-seat-taken-meanwhile-{width}")
    page.get_by_role("button", name="Reservar").click()
    page.locator(".countdown").wait_for()
    assert "A-2" in page.get_by_role("table", name="Itens do pedido").inner_text()


def test_the_seat_map_is_one_tab_stop_with_arrow_keys_price_in_its_names_and_zoom(open_page, seated_event):
    event = seated_event()
    page = open_page(width=390, height=844, path=f"/#/evento/{event['id']}")
    choose_sector(page, "Plateia")
    seat(page, "A-1").wait_for()
    assert page.locator("#mapa [tabindex='0']").count() == 1  # one Tab stop for the whole map
    assert (
        seat(page, "A-1").get_attribute("aria-label")
        == "Assento A-1, disponível, R$ 150,00 + R$ 15,00 de taxa"
    )
    seat(page, "A-1").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.seat") == "B-2"
    page.keyboard.press("Enter")
    assert seat(page, "B-2").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.dataset.seat") == "B-2"  # focus stays on the seat
    page.keyboard.press("Tab")  # leaves the map in one press
    assert page.evaluate("document.activeElement.closest('#mapa .seat-map') === null")
    before = seat(page, "C-10").bounding_box()["width"]
    page.get_by_role("button", name="Ampliar mapa").click()
    assert seat(page, "C-10").bounding_box()["width"] >= 40 > before
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the map scrolls, not the page
    screenshot(page, "13-seat-map-zoomed-390")


def test_fees_are_shown_per_ticket_and_half_price_needs_its_category(open_page, seated_event):
    event = seated_event()
    page = buyer_on_event_page(open_page, event, 1280, 900)
    assert (
        "R$ 150,00 + R$ 15,00 de taxa"
        in page.get_by_role("radio", name=re.compile("^Plateia")).locator("..").inner_text()
    )
    choose_sector(page, "Plateia")
    seat(page, "B-1").click()
    page.get_by_role("radio", name=re.compile("^Meia-entrada")).check()
    assert "Lei 12.933/2013" in page.locator("main").inner_text()
    page.get_by_role("button", name="Reservar").click()
    assert (
        page.get_by_label("Categoria da meia-entrada (obrigatória)").get_attribute("aria-invalid") == "true"
    )
    assert page.get_by_text("Escolha a categoria da meia-entrada.").is_visible()
    page.get_by_label("Categoria da meia-entrada (obrigatória)").select_option("student")
    assert "carteira de identificação estudantil" in page.locator("#meia-prova").inner_text()
    page.get_by_role("button", name="Reservar").click()
    table = page.get_by_role("table", name="Itens do pedido")
    table.wait_for()
    text = table.inner_text()
    assert "R$ 75,00" in text and "+ R$ 7,50 de taxa" in text and "R$ 82,50" in text
    assert "já inclui R$ 7,50 de taxa de conveniência" in text
    assert "(incluída)" not in text


@pytest.mark.parametrize("size", WIDTHS)
def test_card_payment_tickets_with_qr_pdf_invoice_and_my_pages(open_page, seated_event, api, size):
    if not route_served(api, "POST", "/orders/{order_id}/payments"):
        pytest.skip("route missing: POST /orders/{order_id}/payments is not served yet")
    event = seated_event()
    width, height = size
    page = buyer_on_event_page(open_page, event, width, height)
    choose_sector(page, "Plateia")
    seat(page, "C-8").click()
    page.get_by_role("button", name="Reservar").click()
    page.get_by_role("radio", name="Cartão de crédito").check()
    page.get_by_label("Número do cartão").fill("4111 1111 1111 1112")  # fails the Luhn check
    page.get_by_label("Nome impresso no cartão").fill("BEATRIZ N")
    page.get_by_label("Validade (MM/AA)").fill("12/30")
    page.get_by_label("CVV").fill("123")
    page.get_by_role("button", name="Pagar").click()
    page.get_by_text("Número de cartão inválido: confira os dígitos.").wait_for()
    assert page.evaluate("document.activeElement.id") == "cartao-numero"
    page.get_by_label("Número do cartão").fill(CARD_DECLINED)
    page.get_by_role("button", name="Pagar").click()
    page.get_by_text("Pagamento recusado").first.wait_for()
    page.get_by_role("radio", name="Cartão de crédito").check()
    page.get_by_label("Número do cartão").fill(CARD_OK)
    page.get_by_label("Nome impresso no cartão").fill("BEATRIZ N")
    page.get_by_label("Validade (MM/AA)").fill("12/30")
    page.get_by_label("CVV").fill("123")
    page.get_by_role("button", name="Pagar").click()
    page.locator(".order-status [data-status=paid]").wait_for(timeout=30000)  # slow under a loaded machine
    page.wait_for_function(
        "() => document.activeElement.id === 'titulo-pagamento'"
    )  # focus kept after paying
    pdf = page.get_by_role("link", name="Baixar PDF — Plateia — C-8")
    pdf.wait_for(timeout=30000)  # no reload needed
    qr = page.get_by_role("img", name="QR Code do ingresso Plateia — C-8", exact=True)
    assert qr.evaluate("img => img.naturalWidth") > 50
    page.get_by_role("button", name="Mostrar QR Code em tela cheia — Plateia — C-8").click()
    big = page.get_by_role("img", name="QR Code do ingresso Plateia — C-8 em tela cheia")
    assert big.bounding_box()["width"] >= min(width, height) * 0.6
    screenshot(page, f"14-ticket-qr-full-screen-{width}")
    page.get_by_role("button", name="Fechar").click()
    if route_served(api, "GET", "/orders/{order_id}/invoice"):
        page.get_by_role("link", name=re.compile(r"^Nota fiscal \(NF-e nº")).wait_for(timeout=30000)
    screenshot(page, f"15-tickets-{width}")

    page.get_by_role("link", name="Meus pedidos").click()
    row = page.get_by_role("row", name=re.compile(event["name"]))
    row.wait_for()
    assert "C-8" in row.inner_text() and "Pago" in row.inner_text() and "10/03/2027" in row.inner_text()
    assert not page.get_by_text("Pagamento aprovado!").count()  # the banner stayed on its page
    screenshot(page, f"16-my-orders-{width}")
    page.get_by_role("link", name="Meus ingressos").click()
    page.get_by_role("button", name="Mostrar QR Code em tela cheia — Plateia — C-8").wait_for()
    screenshot(page, f"17-my-tickets-{width}")


def test_the_pix_qr_is_still_there_after_a_reload(open_page, seated_event, api):
    if not route_served(api, "POST", "/orders/{order_id}/payments"):
        pytest.skip("route missing: POST /orders/{order_id}/payments is not served yet")
    event = seated_event()
    page = buyer_on_event_page(open_page, event, 1280, 900)
    choose_sector(page, "Pista")
    page.get_by_role("button", name="Reservar").click()
    page.get_by_role("button", name="Pagar").click()
    page.get_by_role("img", name="QR Code PIX para pagar este pedido").wait_for()
    page.reload()
    qr = page.get_by_role("img", name="QR Code PIX para pagar este pedido")
    qr.wait_for()
    assert qr.evaluate("img => img.naturalWidth") > 50
    assert page.get_by_label("PIX copia e cola").input_value().startswith("000201")
    screenshot(page, "18-pix-after-reload")


def test_when_the_hold_runs_out_the_order_cannot_be_paid_and_leads_back_to_the_seats(open_page, seated_event):
    event = seated_event()
    page = open_page(width=390, height=844)
    page.clock.install()
    sign_up(page)
    page.goto(page.url.split("#")[0] + f"#/evento/{event['id']}")
    choose_sector(page, "Plateia")
    seat(page, "A-9").click()
    page.get_by_role("button", name="Reservar").click()
    page.locator(".countdown").wait_for()
    page.clock.fast_forward("16:00")
    page.get_by_text("O prazo da reserva terminou").wait_for()
    assert "Expirado" in page.locator(".order-status").inner_text()
    assert not page.get_by_role("button", name="Pagar").count()
    page.get_by_role("link", name="Escolher lugares de novo").click()
    page.get_by_role("heading", name=event["name"]).wait_for()
    screenshot(page, "19-expired-back-to-seats")


def test_a_boleto_deadline_reads_in_days(open_page):
    page = open_page()
    said = page.evaluate(
        "import('/static/format.js').then(m => [m.formatCountdown(293495000), m.formatCountdown(7500000), m.formatCountdown(899000)])"
    )
    assert said == ["3 dias e 9 h", "2 h 05 min", "14:59"]
