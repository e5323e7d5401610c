"""The CLI speaks Brazilian Portuguese to a Portuguese locale (English otherwise), fails a declined card,
and says why an unpaid order has no tickets yet."""

from __future__ import annotations

from ticketing_cli import language

CARD = ["--card-holder", "ANA CLI", "--card-expiry", "12/30", "--card-cvv", "123"]


def _held(buyer_cli, cli_event, seat: str):
    show = cli_event()
    tool, _ = buyer_cli()
    order = tool.json("buy", show["event"]["id"], "--seat", seat)
    return tool, order


def test_the_language_follows_the_locale(monkeypatch):
    for name in ("TICKETING_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert not language.portuguese()
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    assert language.portuguese() and language.say("Order {id}", id="ab12") == "Pedido ab12"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # LC_ALL wins over LANG
    assert not language.portuguese() and language.say("Order {id}", id="ab12") == "Order ab12"
    monkeypatch.setenv("TICKETING_LANG", "pt-BR")  # the CLI's own setting wins over the locale
    assert language.portuguese()
    assert language.say("a sentence nobody translated") == "a sentence nobody translated"


def test_portuguese_locale_reads_the_order_and_errors_in_portuguese(buyer_cli, cli_event, require_route):
    tool, order = _held(buyer_cli, cli_event, "A-3")
    shown = tool("orders", "show", order["id"], locale="pt_BR.UTF-8")
    assert shown.exit_code == 0, shown.stderr
    assert f"Pedido {order['id']}" in shown.stdout and "Situação: reservado" in shown.stdout
    assert "Reservado até" in shown.stdout and "Preço unitário" in shown.stdout
    english = tool("orders", "show", order["id"])
    assert "Status: reserved" in english.stdout and "Held until" in english.stdout

    other, _ = buyer_cli()
    taken = other("buy", order["event_id"], "--seat", "A-3", locale="pt_BR.UTF-8")
    assert taken.exit_code == 1
    assert taken.stderr.strip() == (
        "erro: seat-unavailable — um dos assentos acabou de ser reservado por outra pessoa; escolha outro"
    )

    require_route("POST", "/orders/{order_id}/payments")
    declined = tool("pay", order["id"], "--method", "card", "--card-number", "4000000000000002", *CARD,
                    locale="pt_BR.UTF-8")  # fmt: skip
    assert declined.exit_code == 1
    assert "recusado" in declined.stdout
    assert declined.stderr.startswith("erro: declined — o pagamento com cartão foi recusado")


def test_tickets_of_an_unpaid_order_say_it_is_not_paid(buyer_cli, cli_event, require_route):
    require_route("GET", "/orders/{order_id}/tickets")
    tool, order = _held(buyer_cli, cli_event, "A-4")
    refused = tool("tickets", order["id"])
    assert refused.exit_code == 1
    line = refused.stderr.strip()
    assert line.startswith(f"error: not-paid — order {order['id'][:8]} is reserved, not paid"), line
    assert "ticketing pay" in line
    said = tool("tickets", order["id"], locale="pt_BR.UTF-8")
    assert said.exit_code == 1 and "não pago" in said.stderr and "ticketing pay" in said.stderr

    assert tool.json("orders", "cancel", order["id"])["status"] == "cancelled"
    cancelled = tool("tickets", order["id"])
    assert cancelled.exit_code == 1 and "is cancelled, not paid" in cancelled.stderr
    assert "buy again" in cancelled.stderr

    stranger, _ = buyer_cli()  # not your order: still the API's plain not-found
    hidden = stranger("tickets", order["id"])
    assert hidden.exit_code == 1 and "not-paid" not in hidden.stderr
