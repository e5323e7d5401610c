"""The waiting list in Chromium (issue 18): a buyer joins a sold-out sector's list, another buyer's hold
expires, the first is offered the places under "Meus pedidos" and pays them."""

from __future__ import annotations

import secrets

from storefront_support import open_event_from_the_list, screenshot, send_webhook
from test_storefront_journeys import sign_up_in_the_page

from localrun.testing import held_order, pista_on_sale
from ticketing import db


def test_buyer_joins_a_sold_out_list_is_offered_a_lapsed_hold_and_pays(
    open_page, api, runtime, organizer_token, new_buyer
):
    name = f"Show esgotado {secrets.token_hex(3)}"
    made = pista_on_sale(api, organizer_token, 12000, 2, name=name, venue="Arena, Recife")
    other = new_buyer()
    held = held_order(api, other.token, made["id"], [{"sector_id": made["sector_id"], "quantity": 2}])

    page = open_page()
    person = sign_up_in_the_page(page)
    open_event_from_the_list(page, name)
    page.get_by_role("heading", name=name).wait_for()
    assert "esgotado" in page.locator(".sector-choice", has_text="Pista").inner_text()
    join = page.locator(".waitlist-join", has_text="Pista")
    join.get_by_label("Quantos lugares").fill("2")
    screenshot(page, "waitlist-01-sold-out")
    join.get_by_role("button", name="Entrar na lista de espera").click()

    row = page.locator("[data-waitlist]")
    row.wait_for()
    assert "Na lista de espera (posição 1)" in row.inner_text()
    assert "2× Pista" in row.inner_text()
    screenshot(page, "waitlist-02-waiting")

    # The other buyer's hold lapses and the expiration job runs: the places are offered to this buyer.
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING id",
        (held["id"],),
    )
    assert runtime.run_schedule_now("ExpireHoldsFunction").succeeded
    page.reload()
    offered = page.locator("[data-waitlist][data-status=offered]")
    offered.wait_for()
    assert "Lugares oferecidos" in offered.inner_text()
    screenshot(page, "waitlist-03-offered")
    offered.get_by_role("link", name="Pagar").click()

    page.locator(".countdown").wait_for()
    assert "Reservado" in page.locator(".order-status").inner_text()
    order_id = page.url.rsplit("/", 1)[-1]
    page.get_by_role("button", name="Pagar").click()  # PIX is the default method
    page.get_by_label("PIX copia e cola").wait_for()
    token = api.post("/auth/token", json={"email": person["email"], "password": person["password"]}).json
    order = api.get(f"/orders/{order_id}", token=token["access_token"]).json
    assert order["status"] == "awaiting_payment" and order["ticket_count"] == 2
    assert send_webhook(api, order["payment"]["id"]).status == 200
    page.locator(".order-status [data-status=paid]").wait_for(timeout=20000)
    screenshot(page, "waitlist-04-paid")

    page.get_by_role("link", name="Meus pedidos").click()
    page.locator("[data-waitlist][data-status=converted]").wait_for()
    assert not page.get_by_role("button", name="Sair da lista").count()
