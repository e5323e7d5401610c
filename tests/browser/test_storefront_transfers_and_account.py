"""Issue 21 in Chromium: "Transferir ingresso" on My tickets, "Meus dados" (the export downloaded as a JSON
file) and "Excluir minha conta" (with its confirmation, refused while tickets for events to come are held).
Purchases are made through the API; every control is found by role and label."""

from __future__ import annotations

import json

from storefront_support import screenshot

from localrun.testing import card_details, eventually, paid_order

CARD = card_details(holder="Beatriz Navegador", cvv="123")


def bought_tickets(api, buyer, event: dict, quantity: int) -> list[dict]:
    pista = next(s for s in api.get(f"/events/{event['id']}").json["sectors"] if s["name"] == "Pista")
    paid_order(api, buyer.token, event["id"], [{"sector_id": pista["id"], "quantity": quantity}], CARD)

    def issued() -> list[dict]:
        items = api.get("/tickets", token=buyer.token).json["items"]
        return items if len(items) >= quantity and all(t["pdf_url"] for t in items) else []

    items = eventually(issued)
    assert items, "the tickets were not issued"
    return items


def sign_in(page, buyer) -> None:
    page.goto(page.url.split("#")[0] + "#/entrar")
    signing_in = page.get_by_role("form", name="Já tenho conta")
    signing_in.get_by_label("E-mail").fill(buyer.email)
    signing_in.get_by_label("Senha").fill(buyer.password)
    signing_in.get_by_role("button", name="Entrar").click()
    page.get_by_role("button", name="Sair").wait_for()


def test_transfer_a_ticket_download_my_data_and_delete_my_account(open_page, seated_event, api, new_buyer):
    event = seated_event()
    buyer, friend = new_buyer(), new_buyer()
    tickets = bought_tickets(api, buyer, event, 2)
    page = open_page(width=1280, height=900)
    sign_in(page, buyer)

    # Transferir ingresso: an unknown e-mail is said in Portuguese, then the friend's goes through.
    page.get_by_role("link", name="Meus ingressos").click()
    transfer_buttons = page.get_by_role("button", name="Transferir ingresso — Pista")
    transfer_buttons.first.wait_for()
    assert transfer_buttons.count() == 2
    transfer_buttons.first.click()
    recipient = page.get_by_role("textbox", name="E-mail de quem vai receber")
    recipient.fill("ninguem-aqui@example.com")
    page.get_by_role("button", name="Confirmar transferência").click()
    page.get_by_role("alert").filter(has_text="Não há conta com este e-mail").wait_for()
    recipient.fill(friend.email)
    page.get_by_role("button", name="Confirmar transferência").click()
    page.get_by_text(f"Ingresso transferido para {friend.email}").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.ticket').length === 1")
    assert page.get_by_role("button", name="Transferir ingresso — Pista").count() == 1
    screenshot(page, "21-transfer-done")
    received = api.get("/tickets", token=friend.token).json["items"]
    assert len(received) == 1 and received[0]["code"] not in {t["code"] for t in tickets}

    # Meus dados: the export, downloaded as a file.
    page.get_by_role("link", name="Minha conta").click()
    page.get_by_role("heading", name="Meus dados").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Baixar meus dados").click()
    download = download_info.value
    assert download.suggested_filename == "meus-dados.json"
    data = json.loads(open(download.path(), encoding="utf-8").read())  # noqa: PTH123, SIM115
    assert data["profile"]["email"] == buyer.email and len(data["orders"]) == 1
    assert {t["relation"] for t in data["tickets"]} == {"held", "transferred_away"}
    page.get_by_text("Arquivo meus-dados.json gerado").wait_for()

    # Excluir minha conta: confirmation first; refused while a ticket for an event to come is held.
    page.get_by_role("button", name="Excluir minha conta").click()
    confirm = page.get_by_role("dialog", name="Excluir sua conta?")
    confirm.wait_for()
    confirm.get_by_role("button", name="Sim, excluir minha conta").click()
    confirm.get_by_role("alert").filter(
        has_text="Você tem ingressos para eventos que ainda vão acontecer"
    ).wait_for()
    screenshot(page, "22-delete-refused")
    confirm.get_by_role("button", name="Cancelar").click()
    kept = api.get("/tickets", token=buyer.token).json["items"][0]
    moved = api.post(f"/tickets/{kept['id']}/transfer", token=buyer.token, json={"email": friend.email})
    assert moved.status == 200, moved.text

    page.get_by_role("button", name="Excluir minha conta").click()
    page.get_by_role("dialog", name="Excluir sua conta?").get_by_role(
        "button", name="Sim, excluir minha conta"
    ).click()
    page.get_by_text("Sua conta foi excluída.").wait_for()
    page.get_by_role("link", name="Entrar").wait_for()
    assert api.post("/auth/token", json={"email": buyer.email, "password": buyer.password}).status == 401
    screenshot(page, "23-account-deleted")
