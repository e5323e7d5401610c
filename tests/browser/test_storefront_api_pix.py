"""API Pix in the storefront (issue 20): the buyer's page shows the dynamic QR and copy-and-paste code; a bank
app (the simulator) pays the code read from the page; the API Pix webhook lands and the page turns "Pago" by
itself."""

from __future__ import annotations

from storefront_support import screenshot
from test_storefront_journeys import choose_sector, sign_up_in_the_page

from localrun.pix_simulator import post_json
from ticketing import payments_provider
from ticketing.domain import pix


def test_a_pix_paid_at_the_bank_turns_the_page_to_paid_by_itself(
    open_page, seated_event, runtime, pix_simulator
):
    payments_provider.provider().register_webhook(
        runtime.environment.get("PIX_KEY", "pagamentos@ticketing.example.com"),
        f"{runtime.base_url}/payments/pix/webhook",
    )
    event = seated_event()
    page = open_page(path=f"/#/evento/{event['id']}")
    sign_up_in_the_page(page)
    page.goto(page.url.split("#")[0] + f"#/evento/{event['id']}")
    choose_sector(page, "Plateia")
    page.locator("[data-seat='C-3']").click()
    page.get_by_role("button", name="Reservar").click()
    page.locator(".countdown").wait_for()
    page.get_by_role("button", name="Pagar").click()  # PIX is the default method
    page.get_by_alt_text("QR Code PIX para pagar este pedido").wait_for()
    code = page.get_by_label("PIX copia e cola").input_value()
    fields = pix.parse_emv(code)
    assert fields["01"] == "12" and fields["62"]["05"] == "***" and pix.verify_crc(code)
    screenshot(page, "api-pix-01-qr")
    status, paid = post_json(pix_simulator.base_url + "/simulador/pagar", {"pixCopiaECola": code})
    assert status == 201, paid
    page.locator(".order-status [data-status=paid]").wait_for(timeout=20000)
    screenshot(page, "api-pix-02-paid")
