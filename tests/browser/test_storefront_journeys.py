"""A buyer in Chromium: sign up, pick seats, hold, pay by PIX, get the tickets; taken seats; phone width."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from storefront_support import hold_seat, open_event_from_the_list, route_served, screenshot, send_webhook

from localrun.testing import create_event_on_sale, random_cpf


def sign_up_in_the_page(page) -> dict:
    person = {
        "name": "Beatriz Navegador",
        "email": f"web-{secrets.token_hex(5)}@example.com",
        "cpf": random_cpf(),
        "password": "Web-Senha-2026!",
    }
    page.goto(page.url.split("#")[0] + "#/entrar")
    page.get_by_label("Nome completo").fill(person["name"])
    page.locator("#criar-email").fill(person["email"])
    page.get_by_label("CPF").fill(person["cpf"])
    page.locator("#criar-senha").fill(person["password"])
    page.get_by_role("button", name="Criar conta").click()
    page.get_by_role("button", name="Sair").wait_for()
    return person


def choose_sector(page, name: str) -> None:
    page.locator(".sector-choice", has_text=name).locator("input").check()


def test_buyer_picks_seats_holds_pays_by_pix_and_sees_tickets(open_page, seated_event, api):
    event = seated_event()
    page = open_page()
    person = sign_up_in_the_page(page)
    open_event_from_the_list(page, event["name"])
    page.get_by_role("heading", name=event["name"]).wait_for()
    assert (
        "20:30" in page.locator(".when").inner_text()
    )  # 23:30 UTC in the event's time zone, not the browser's
    choose_sector(page, "Plateia")
    first, second = page.locator("[data-seat='B-5']"), page.locator("[data-seat='B-6']")
    first.click()
    second.click()
    assert first.get_attribute("aria-pressed") == "true" and second.get_attribute("aria-pressed") == "true"
    assert first.get_attribute("aria-label") == "Assento B-5, selecionado, R$ 150,00 + R$ 15,00 de taxa"
    page.get_by_label("Estacionamento — R$ 25,00").fill("1")
    summary = page.locator(".summary").inner_text()
    assert "R$ 300,00" in summary and "R$ 355,00" in summary  # 2 x 150 + 10 % fee + 25
    screenshot(page, "01-seats-selected")
    page.get_by_role("button", name="Reservar").click()
    page.locator(".countdown").wait_for()
    assert re.search(r"expira em 1[45]:\d\d", page.locator(".countdown").inner_text())
    assert "Reservado" in page.locator(".order-status").inner_text()
    order_id = page.url.rsplit("/", 1)[-1]
    if not route_served(api, "POST", "/orders/{order_id}/payments"):
        screenshot(page, "02-held")
        pytest.skip("route missing: POST /orders/{order_id}/payments is not served yet")

    page.get_by_role("button", name="Pagar").click()  # PIX is the default method
    qr = page.get_by_alt_text("QR Code PIX para pagar este pedido")
    qr.wait_for()
    assert qr.get_attribute("src").startswith("data:image/png;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 50
    code = page.get_by_label("PIX copia e cola").input_value()
    assert code.startswith("000201")
    assert page.get_by_role("button", name="Copiar código PIX").is_visible()
    screenshot(page, "03-pix")

    token = api.post("/auth/token", json={"email": person["email"], "password": person["password"]}).json
    order = api.get(f"/orders/{order_id}", token=token["access_token"]).json
    assert order["status"] == "awaiting_payment"
    assert send_webhook(api, order["payment"]["id"]).status == 200
    page.locator(".order-status [data-status=paid]").wait_for(timeout=20000)
    if not route_served(api, "GET", "/orders/{order_id}/tickets"):
        pytest.skip("route missing: GET /orders/{order_id}/tickets is not served yet")
    page.locator(".ticket").nth(1).wait_for(timeout=30000)
    tickets = page.locator(".ticket")
    assert tickets.count() == 2
    places = sorted(tickets.locator(".ticket-place").all_inner_texts())
    assert places == ["Plateia — B-5", "Plateia — B-6"]
    assert all(len(text.strip()) >= 8 for text in tickets.locator(".ticket-code").all_inner_texts())
    screenshot(page, "04-tickets")
    page.get_by_role("link", name="Meus pedidos").click()
    page.get_by_role("cell", name="Pago").wait_for()


def test_seat_held_by_another_buyer_is_shown_taken(open_page, seated_event, api, new_buyer):
    event = seated_event()
    other = new_buyer()
    hold_seat(api, other, event, "A-1")
    page = open_page(path=f"/#/evento/{event['id']}")
    choose_sector(page, "Plateia")
    taken = page.locator("[data-seat='A-1']")
    taken.wait_for()
    assert taken.is_disabled()
    assert taken.get_attribute("data-status") == "held"
    assert "reservado" in taken.get_attribute("aria-label")
    taken.click(force=True)  # a click on a disabled button does nothing
    assert taken.get_attribute("data-status") == "held"
    assert page.locator("#escolhidos").inner_text() == "Nenhum assento escolhido."
    free = page.locator("[data-seat='A-2']")
    free.focus()
    page.keyboard.press("Enter")  # keyboard operable
    assert page.locator("[data-seat='A-2']").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    assert page.locator("[data-seat='A-2']").get_attribute("aria-pressed") == "false"
    screenshot(page, "05-seat-taken")


def test_phone_width_and_brazilian_formats(open_page, seated_event):
    event = seated_event()
    page = open_page(width=360, height=780, path=f"/#/evento/{event['id']}")
    choose_sector(page, "Pista")
    assert "R$ 1.234,56" in page.locator(".sector-choice", has_text="Pista").inner_text()
    page.get_by_label("Quantidade").fill("2")
    page.locator("input[name=tipo][value=half]").check()
    assert page.get_by_label("Categoria da meia-entrada").is_visible()
    assert "R$ 1.234,56" in page.locator(".summary").inner_text()  # 2 x 617,28
    choose_sector(page, "Plateia")
    page.locator("[data-seat='C-10']").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360, f"the page is {overflow}px wide at 360px"
    box = page.locator("[data-seat='C-10']").bounding_box()
    assert box["x"] + box["width"] <= 360
    assert page.locator("html").get_attribute("lang") == "pt-BR"
    screenshot(page, "06-phone-360")


def test_sign_in_is_asked_before_holding(open_page, seated_event):
    event = seated_event()
    page = open_page(path=f"/#/evento/{event['id']}")
    choose_sector(page, "Plateia")
    page.locator("[data-seat='C-1']").click()
    page.get_by_role("button", name="Reservar").click()
    page.get_by_role("heading", name="Entrar ou criar conta").wait_for()
    assert "volta=" in page.url


def test_organizer_sees_the_report(open_page, seated_event, api):
    if not route_served(api, "GET", "/events/{event_id}/report"):
        pytest.skip("route missing: GET /events/{event_id}/report is not served yet")
    event = seated_event()
    page = open_page(path="/#/entrar")
    page.locator("#entrar-email").fill("organizer@example.com")
    page.locator("#entrar-senha").fill("Organizer-2026!")
    page.get_by_role("button", name="Entrar", exact=True).click()
    page.get_by_role("link", name="Organizador").click()
    page.get_by_label("Evento").select_option(event["id"])
    page.get_by_text("Ingressos vendidos").wait_for()
    assert page.get_by_role("link", name="Baixar CSV").is_visible()
    time.sleep(0.2)
    screenshot(page, "07-report")


def test_more_than_fifty_events_load_fifty_at_a_time(open_page, api, organizer_token):
    """The home page lists 50 events and a "Mais eventos" button fetches the next 50 (soonest first)."""

    def on_sale(name: str, starts_at: str) -> None:
        create_event_on_sale(
            api,
            organizer_token,
            name=name,
            starts_at=starts_at,
            sectors=[{"name": "Pista", "kind": "general", "price_cents": 5000, "capacity": 10}],
        )

    tag = secrets.token_hex(3)
    listed = len(api.get("/events?limit=200").json["items"])
    for n in range(max(0, 51 - listed)):  # at least 51 on sale, all before the last one below
        on_sale(f"Lote de teste {tag} {n}", "2029-06-01T20:00:00Z")
    last = f"O último evento {tag}"
    on_sale(last, "2030-12-31T23:00:00Z")

    page = open_page()
    page.locator(".cards li").first.wait_for()
    assert page.locator(".cards li").count() == 50
    assert not page.get_by_role("link", name=f"Comprar ingressos para {last}").count()
    open_event_from_the_list(page, last)
    page.get_by_role("heading", name=last).wait_for()
