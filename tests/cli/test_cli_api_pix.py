"""The CLI with API Pix (issue 20): a boleto híbrido shows its PIX copy-and-paste code and QR too; a PIX paid at
the provider's bank app (the simulator) while `pay --wait` waits turns the order paid by itself."""

from __future__ import annotations

import threading
import time

from test_cli_journey import _held_order

from localrun.pix_simulator import post_json
from ticketing import payments_provider
from ticketing.domain import pix


def test_a_boleto_shows_its_pix_code_as_well(buyer_cli, cli_event, require_route):
    require_route("POST", "/orders/{order_id}/payments")
    tool, _, _, order = _held_order(buyer_cli, cli_event)
    shown = tool("pay", order["id"][:8], "--method", "boleto")
    assert shown.exit_code == 0, shown.stderr
    assert "linha digitável" in shown.stdout.lower() or "typeable" in shown.stdout.lower()
    code = next(line for line in shown.stdout.splitlines() if line.startswith("000201"))
    assert pix.verify_crc(code) and pix.parse_emv(code)["01"] == "12"


def test_pay_wait_sees_a_pix_paid_at_the_bank(buyer_cli, cli_event, require_route, runtime, pix_simulator):
    require_route("POST", "/orders/{order_id}/payments")
    payments_provider.provider().register_webhook(
        runtime.environment.get("PIX_KEY", "pagamentos@ticketing.example.com"),
        f"{runtime.base_url}/payments/pix/webhook",
    )
    tool, _, _, order = _held_order(buyer_cli, cli_event, seats=("B-1",))
    paid_at_bank: list[int] = []

    def bank_app() -> None:
        # the buyer scans the code the terminal shows: here, the charge the payment made
        for _ in range(100):
            charges = [c for c in list(pix_simulator.charges.values()) if c["status"] == "ATIVA"]
            mine = [c for c in charges if c.get("solicitacaoPagador", "").startswith(f"Pedido {order['id']}")]
            if mine:
                status, _ = post_json(pix_simulator.base_url + "/simulador/pagar", {"txid": mine[0]["txid"]})
                paid_at_bank.append(status)
                return
            time.sleep(0.2)

    payer = threading.Thread(target=bank_app)
    payer.start()
    shown = tool("pay", order["id"][:8], "--method", "pix", "--wait", "30")
    payer.join()
    assert paid_at_bank == [201]
    assert shown.exit_code == 0, shown.stderr
    assert tool.json("orders", "show", order["id"])["status"] == "paid"
