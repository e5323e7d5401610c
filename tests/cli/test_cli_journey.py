"""`ticketing` through the real local runtime: a whole purchase, payments, errors, --json, --help."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest
import typer

from ticketing_cli.main import app


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_buy_journey_signup_to_cancel(cli, cli_event, api):
    show = cli_event()
    event_id = show["event"]["id"]
    email = f"cli-{os.urandom(4).hex()}@example.com"
    from localrun.testing import random_cpf

    signed_up = cli(
        "signup",
        "--email",
        email,
        "--name",
        "Ana CLI",
        "--cpf",
        random_cpf(),
        "--password",
        "Cli-Secret-2026!",
    )
    assert signed_up.exit_code == 0, signed_up.stderr
    assert "Account created" in signed_up.stdout
    assert cli("logout").exit_code == 0
    assert cli("login", "--email", email, "--password", "Cli-Secret-2026!").exit_code == 0
    credentials = cli.config_dir / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    who = cli.json("whoami")
    assert who["email"] == email and "buyer" in who["roles"]

    listed = cli("events", "list", "--limit", "200")
    assert listed.exit_code == 0 and show["name"] in listed.stdout
    details = cli("events", "show", event_id)
    assert "R$ 150,00" in details.stdout and "R$ 12,50" in details.stdout and "Plateia" in details.stdout
    seat_map = cli("seats", show["name"], "Plateia")
    assert seat_map.exit_code == 0
    assert "STAGE" in seat_map.stdout and "available (8)" in seat_map.stdout

    product = show["product"]["name"]
    bought = cli.json("buy", event_id, "--seat", "A-1", "--seat", "a-2", "--product", f"{product}:2")
    assert bought["status"] == "reserved" and len(bought["tickets"]) == 2
    assert bought["total_cents"] == 2 * 15000 + 2 * 1250
    assert "held (2)" in cli("seats", event_id, "Plateia").stdout

    shown = cli("orders", "show", bought["id"][:8])
    assert shown.exit_code == 0, shown.stderr
    assert "reserved" in shown.stdout and "A-1" in shown.stdout and "R$ 325,00" in shown.stdout
    assert "Held until" in shown.stdout
    assert bought["id"][:8] in cli("orders", "list").stdout

    cancelled = cli.json("orders", "cancel", bought["id"])
    assert cancelled["status"] == "cancelled"
    assert "available (8)" in cli("seats", event_id, "Plateia").stdout
    again = cli("orders", "cancel", bought["id"])
    assert again.exit_code == 1
    assert one_error_line(again).startswith("error: invalid-state — ")


def test_general_admission_half_price_and_sold_out(buyer_cli, cli_event):
    show = cli_event(capacity=5)  # half-price quota: 2
    first, _ = buyer_cli()
    second, _ = buyer_cli()
    held = first.json(
        "buy", show["event"]["id"], "--sector", "Pista", "--quantity", "2", "--half", "--category", "student"
    )
    assert held["tickets"][0]["type"] == "half" and held["tickets"][0]["half_category"] == "student"
    refused = second("buy", show["event"]["id"], "--sector", "pista", "--quantity", "4")
    assert refused.exit_code == 1
    line = one_error_line(refused)
    assert line.startswith("error: sold-out — ")
    assert "\n" not in line


def test_taken_seat_is_one_line_and_json_problem(buyer_cli, cli_event):
    show = cli_event()
    first, _ = buyer_cli()
    second, _ = buyer_cli()
    assert first("buy", show["event"]["id"], "--seat", "B-4").exit_code == 0
    refused = second("buy", show["event"]["id"], "--seat", "B-4", "--json")
    assert refused.exit_code == 1
    assert one_error_line(refused).startswith("error: seat-unavailable — ")
    problem = json.loads(refused.stdout)
    assert problem["status"] == 409 and problem["type"].endswith("/seat-unavailable")


def test_errors_exit_codes(cli, cli_event, runtime):
    show = cli_event()
    not_signed_in = cli("orders", "list")
    assert not_signed_in.exit_code == 1
    assert one_error_line(not_signed_in).startswith("error: unauthorized — ")
    usage_error = cli("buy", show["event"]["id"])  # no --seat/--sector and stdin is not a terminal
    assert usage_error.exit_code == 2
    assert one_error_line(usage_error).startswith("error: usage — ")
    assert cli("pay", "whatever", "--method", "cheque").exit_code == 2
    assert cli("events", "list", "--limit", "0").exit_code == 2  # rejected by the CLI library
    unknown = cli("orders", "show", "00000000-0000-4000-8000-000000000000")
    assert unknown.exit_code == 1
    unreachable = cli("events", "list", api="http://127.0.0.1:9")
    assert unreachable.exit_code == 3
    assert one_error_line(unreachable).startswith("error: unreachable — ")


def test_expired_access_token_is_refreshed_once(buyer_cli):
    tool, buyer = buyer_cli()
    path = tool.config_dir / "credentials.json"
    stored = json.loads(path.read_text())
    entry = stored[tool.base_url]
    entry["access_token"] = "not-a-valid-token"  # the API answers 401: the CLI refreshes and retries
    path.write_text(json.dumps(stored))
    who = tool.json("whoami")
    assert who["email"] == buyer.email
    renewed = json.loads(path.read_text())[tool.base_url]
    assert renewed["access_token"] != "not-a-valid-token"
    assert renewed["refresh_token"] == entry["refresh_token"]
    entry["expires_at"] = time.time() - 10  # known expired: refreshed before the request
    entry["access_token"] = "expired"
    path.write_text(json.dumps({tool.base_url: entry}))
    assert tool.json("whoami")["email"] == buyer.email
    entry["refresh_token"] = "revoked"
    path.write_text(json.dumps({tool.base_url: entry}))
    refused = tool("whoami")
    assert refused.exit_code == 1 and "unauthorized" in refused.stderr


def test_organizer_commands_refused_to_buyers(buyer_cli, cli_event):
    show = cli_event()
    tool, _ = buyer_cli()
    refused = tool("events", "publish", show["event"]["id"])
    assert refused.exit_code == 1
    assert one_error_line(refused).startswith(("error: forbidden — ", "error: not-found — "))


def _all_command_paths(command, prefix=()):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from _all_command_paths(sub, (*prefix, name))


def test_help_for_every_command(cli):
    root = typer.main.get_command(app)
    paths = list(_all_command_paths(root))
    assert len(paths) > 25
    for path in paths:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage" in result.stdout, path
        if path and path[-1] not in ("events", "orders", "sectors", "products", "queue", "waitlist"):
            assert "--json" in result.stdout, path


def test_json_output_is_parsable(cli, cli_event):
    show = cli_event()
    listed = cli.json("events", "list", "--limit", "200")
    assert show["event"]["id"] in [e["id"] for e in listed["items"]]
    detail = cli.json("events", "show", show["event"]["id"])
    assert {s["name"] for s in detail["sectors"]} == {"Plateia", "Pista"}
    seat_map = cli.json("seats", show["event"]["id"], "Plateia")
    assert [s["label"] for s in seat_map["items"]][:2] == ["A-1", "A-2"]


# --- payments, tickets, invoice, report, check-in: they run once their routes are served ---------
def _held_order(buyer_cli, cli_event, seats=("A-1", "A-2")):
    show = cli_event()
    tool, buyer = buyer_cli()
    options = [arg for label in seats for arg in ("--seat", label)]
    order = tool.json("buy", show["event"]["id"], *options, "--product", f"{show['product']['name']}:1")
    return tool, buyer, show, order


def _wait_for(fetch, ready, seconds=20.0):
    deadline = time.monotonic() + seconds
    while True:
        value = fetch()
        if ready(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_pay_by_pix_settle_then_tickets_invoice_checkin_report(
    buyer_cli, cli_event, settle, require_route, organizer_cli, tmp_path
):
    require_route("POST", "/orders/{order_id}/payments")
    require_route("POST", "/payments/webhook")
    tool, _, show, order = _held_order(buyer_cli, cli_event)
    shown = tool("pay", order["id"][:8], "--method", "pix")
    assert shown.exit_code == 0, shown.stderr
    assert "PIX copia e cola" in shown.stdout
    assert "▀" in shown.stdout or "█" in shown.stdout  # the QR drawn with half blocks
    payment = tool.json("orders", "show", order["id"])["payment"]
    status = tool.json("orders", "show", order["id"])["status"]
    assert status == "awaiting_payment"
    payment_id = payment["id"] if isinstance(payment, dict) else None
    if payment_id is None:
        pytest.fail("the order does not show its payment id")
    assert settle(payment_id).status == 200
    paid = _wait_for(lambda: tool.json("orders", "show", order["id"]), lambda o: o["status"] == "paid", 10)
    assert paid["status"] == "paid"

    require_route("GET", "/orders/{order_id}/tickets")
    listed = _wait_for(
        lambda: tool("tickets", order["id"], "--json"),
        lambda r: r.exit_code == 0 and len(json.loads(r.stdout).get("items", [])) == 2,
    )
    assert listed.exit_code == 0, listed.stderr
    tickets = json.loads(listed.stdout)["items"]
    downloaded = tool("tickets", order["id"], "--download", str(tmp_path / "tickets"))
    assert downloaded.exit_code == 0, downloaded.stderr
    pdfs = sorted((tmp_path / "tickets").glob("*.pdf"))
    assert len(pdfs) == 2 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)

    require_route("POST", "/checkins")
    code = tickets[0]["code"]
    first = organizer_cli("checkin", code, "--event", show["event"]["id"])
    assert first.exit_code == 0, first.stderr and "Welcome" in first.stdout
    second = organizer_cli("checkin", code)
    assert second.exit_code == 1 and one_error_line(second).startswith("error: already-checked-in — ")

    require_route("GET", "/events/{event_id}/report")
    report = organizer_cli.json("report", show["event"]["id"])
    assert report["tickets_sold"] == 2
    table = organizer_cli("report", show["event"]["id"])
    assert "Plateia" in table.stdout and "R$" in table.stdout
    csv = organizer_cli("report", show["event"]["id"], "--csv")
    assert csv.exit_code == 0 and "," in csv.stdout.splitlines()[0]

    require_route("GET", "/orders/{order_id}/invoice")
    invoice = _wait_for(lambda: tool("invoice", order["id"], "--json"), lambda r: r.exit_code == 0)
    assert invoice.exit_code == 0, invoice.stderr
    saved = tool("invoice", order["id"], "--download", str(tmp_path / "invoice"))
    assert saved.exit_code == 0, saved.stderr


def test_pay_by_card_approved_and_declined(buyer_cli, cli_event, require_route):
    require_route("POST", "/orders/{order_id}/payments")
    tool, _, _, order = _held_order(buyer_cli, cli_event, seats=("B-1",))
    card = ["--card-holder", "ANA CLI", "--card-expiry", "12/30", "--card-cvv", "123"]
    refused = tool(
        "pay", order["id"], "--method", "card", "--card-number", "4000000000000002", *card, "--json"
    )
    assert refused.exit_code == 1, refused.stderr  # a declined card is a failed command
    assert json.loads(refused.stdout)["status"] == "declined"
    assert refused.stderr.startswith("error: declined — ")
    said = tool("pay", order["id"], "--method", "card", "--card-number", "4000000000000002", *card)
    assert said.exit_code == 1 and "declined" in said.stdout
    assert tool.json("orders", "show", order["id"])["status"] == "reserved"
    approved = tool("pay", order["id"], "--method", "card", "--card-number", "4111 1111 1111 1111", *card)
    assert approved.exit_code == 0, approved.stderr
    assert "approved" in approved.stdout
    assert tool.json("orders", "show", order["id"])["status"] == "paid"
    bad = tool("pay", order["id"], "--method", "card", "--card-number", "4111111111111112", *card)
    assert bad.exit_code == 1


def test_pay_by_boleto_prints_the_typeable_line(buyer_cli, cli_event, require_route):
    require_route("POST", "/orders/{order_id}/payments")
    tool, _, _, order = _held_order(buyer_cli, cli_event, seats=("B-2",))
    shown = tool("pay", order["id"], "--method", "boleto")
    assert shown.exit_code == 0, shown.stderr
    import re

    assert re.search(r"\d{5}\.\d{5} \d{5}\.\d{6} \d{5}\.\d{6} \d \d{14}", shown.stdout), shown.stdout


def test_interactive_buy_asks_for_what_is_missing(buyer_cli, cli_event, monkeypatch):
    show = cli_event()
    tool, _ = buyer_cli()
    monkeypatch.setenv("TICKETING_INTERACTIVE", "1")  # answers come from stdin as if typed
    product = show["product"]["name"]
    answers = f"plateia\nB-3, B-4\ny\nteacher\n{product}:1\n"
    result = tool("buy", show["event"]["id"], input=answers)
    assert result.exit_code == 0, result.stderr
    assert "STAGE" in result.stdout  # the seat map was drawn before asking for seats
    assert "B-3" in result.stdout and "half (teacher)" in result.stdout
    assert "R$ 162,50" in result.stdout  # 2 x 75,00 half price + 12,50
