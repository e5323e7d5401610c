"""The buyer's rights over their data against the real PostgreSQL (LGPD art. 18): the export, the deletion
(refused while tickets for events to come are held), fiscal records kept apart until retain_until, and the
purge job on a clock the test controls."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from paid_orders import email_of, hold, paid_quietly, s3_object

from ticketing import db
from ticketing.api.after_payment import TransferIn
from ticketing.errors import InvalidState, NotFound
from ticketing.services import invoices, personal_data, reports, tickets


def issued(ev: dict, buyer, **hold_args) -> dict:
    order = paid_quietly(ev, buyer, **hold_args)
    invoices.process_paid_order(order["id"])
    return order


def event_over(ev: dict) -> None:
    db.fetch_one(
        "UPDATE events SET starts_at = now() - interval '1 day' WHERE id = %s RETURNING id",
        (ev["event"]["id"],),
    )


def test_the_export_has_everything_kept_about_me_and_card_data_as_last_four_only(
    runtime, make_event, new_user, organizer
):
    ev = make_event(capacity=20)
    buyer, friend = new_user(), new_user()
    order = issued(ev, buyer, quantity=2, seat=None, products=1)
    held = tickets.held_tickets(buyer)["items"]
    tickets.transfer_ticket(buyer, held[0]["id"], TransferIn(email=email_of(friend)))
    live = hold(ev, buyer, quantity=1, seat=None, products=0)

    data = personal_data.export(buyer)

    assert set(data) >= {"profile", "orders", "payments", "tickets", "invoices", "checkins", "emails"}
    assert data["profile"]["email"] == email_of(buyer) and len(data["profile"]["cpf"]) == 11
    assert {o["id"] for o in data["orders"]} == {order["id"], live["id"]}
    [payment] = data["payments"]
    assert payment["card_last4"] == "1111" and payment["order_id"] == order["id"]
    assert not any(key in payment for key in ("card_number", "number", "cvv"))
    relations = sorted((t["relation"], t["id"]) for t in data["tickets"])
    assert relations == sorted([("held", held[1]["id"]), ("transferred_away", held[0]["id"])])
    away = next(t for t in data["tickets"] if t["relation"] == "transferred_away")
    assert away["to_email"] == email_of(friend)
    assert [i["order_id"] for i in data["invoices"]] == [order["id"]]
    assert {e["purpose"] for e in data["emails"]} >= {"ticket-transferred-away"}
    assert "4111111111111111" not in json.dumps(data)
    json.dumps(data)  # plain JSON all the way down
    # The recipient's export shows the ticket they received, with its code, and no one else's order.
    theirs = personal_data.export(friend)
    assert [t["id"] for t in theirs["tickets"]] == [held[0]["id"]] and theirs["orders"] == []
    assert theirs["tickets"][0]["received"] is True


def test_no_deletion_while_i_hold_tickets_for_an_event_to_come(runtime, make_event, new_user):
    ev = make_event(capacity=20)
    buyer, friend = new_user(), new_user()
    issued(ev, buyer, quantity=1, seat=None, products=0)
    with pytest.raises(InvalidState):
        personal_data.delete_account(buyer)
    # A paid order whose tickets are not issued yet counts too.
    other = new_user()
    paid_quietly(ev, other, quantity=1, seat=None, products=0)
    with pytest.raises(InvalidState):
        personal_data.delete_account(other)
    # Once the ticket is transferred away, the buyer may go; the recipient may not.
    ticket = tickets.held_tickets(buyer)["items"][0]
    tickets.transfer_ticket(buyer, ticket["id"], TransferIn(email=email_of(friend)))
    with pytest.raises(InvalidState):
        personal_data.delete_account(friend)
    personal_data.delete_account(buyer)
    with pytest.raises(NotFound):
        personal_data.export(buyer)


def test_deletion_releases_live_holds_anonymises_and_keeps_the_fiscal_record_apart(
    runtime, make_event, new_user, organizer, sector_state
):
    ev = make_event(capacity=20)
    buyer = new_user()
    email, cpf = (
        email_of(buyer),
        db.fetch_one("SELECT cpf FROM users WHERE cognito_sub = %s", (buyer.sub,))["cpf"],
    )
    order = issued(ev, buyer, quantity=2, seat=None, products=0)
    event_over(ev)
    ev2 = make_event(capacity=20)
    live = hold(ev2, buyer, quantity=3, seat=None, products=0)
    before = sector_state(ev2["event"]["id"], "Pista")

    personal_data.delete_account(buyer)

    user = db.fetch_one("SELECT * FROM users WHERE email = %s", (email,))
    assert user is None
    row = db.fetch_one(
        "SELECT u.* FROM users u JOIN orders o ON o.user_id = u.id WHERE o.id = %s", (order["id"],)
    )
    assert row["anonymised_at"] is not None and row["cpf"] is None and row["cognito_sub"] is None
    assert row["name"] == "Titular anonimizado" and email not in row["email"]
    assert db.fetch_one("SELECT status FROM orders WHERE id = %s", (live["id"],))["status"] == "cancelled"
    assert sector_state(ev2["event"]["id"], "Pista")["available"] == before["available"] + 3
    assert db.fetch_one("SELECT buyer_cpf FROM orders WHERE id = %s", (order["id"],))["buyer_cpf"] is None
    assert db.fetch_one("SELECT count(*) AS n FROM cpf_ticket_counts WHERE cpf = %s", (cpf,))["n"] == 0
    kept = db.fetch_one("SELECT * FROM fiscal_retention WHERE order_id = %s", (order["id"],))
    assert kept["buyer_cpf"] == cpf and kept["buyer_name"] == "Buyer"
    paid_year = db.fetch_one(
        "SELECT extract(year FROM paid_at AT TIME ZONE 'America/Sao_Paulo')::int AS y FROM orders WHERE id = %s",
        (order["id"],),
    )["y"]
    assert kept["retain_until"] == date(paid_year + 6, 1, 1)  # five years from 1 January of the next year
    # Nothing the user's e-mail could still reach, nor their ticket PDFs.
    assert (
        db.fetch_one("SELECT count(*) AS n FROM outbox WHERE payload::text LIKE %s", (f"%{email}%",))["n"]
        == 0
    )
    # The organizer's report and the invoice JSON still stand.
    report = reports.event_report(organizer, ev["event"]["id"])
    assert report["tickets_sold"] == 2 and report["revenue_cents"] == order["total_cents"]
    invoice = invoices.get_invoice(organizer, order["id"])
    document = json.loads(s3_object(invoice_key(order))["Body"].read())
    assert document["buyer"]["cpf"] == cpf
    assert invoice["number"] >= 1


def invoice_key(order: dict) -> str:
    return db.fetch_one("SELECT document_key FROM invoices WHERE order_id = %s", (order["id"],))[
        "document_key"
    ]


def test_an_invoice_issued_after_the_deletion_still_names_the_buyer_from_the_kept_record(
    runtime, make_event, new_user
):
    ev = make_event(capacity=20)
    buyer = new_user()
    cpf = db.fetch_one("SELECT cpf FROM users WHERE cognito_sub = %s", (buyer.sub,))["cpf"]
    order = paid_quietly(ev, buyer, quantity=1, seat=None, products=0)
    event_over(ev)
    personal_data.delete_account(buyer)

    invoices.process_paid_order(order["id"])

    document = json.loads(s3_object(invoice_key(order))["Body"].read())
    assert document["buyer"] == {"name": "Buyer", "cpf": cpf}
    assert db.fetch_one("SELECT emailed_at FROM invoices WHERE order_id = %s", (order["id"],))["emailed_at"]


def test_the_purge_keeps_a_record_until_retain_until_and_removes_it_after(runtime, make_event, new_user):
    ev = make_event(capacity=20)
    buyer = new_user()
    order = issued(ev, buyer, quantity=1, seat=None, products=0)
    event_over(ev)
    personal_data.delete_account(buyer)
    retain_until = db.fetch_one(
        "SELECT retain_until FROM fiscal_retention WHERE order_id = %s", (order["id"],)
    )["retain_until"]

    personal_data.purge_expired_fiscal_records(today=retain_until - timedelta(days=1))
    personal_data.purge_expired_fiscal_records(today=retain_until)
    assert db.fetch_one("SELECT 1 AS kept FROM fiscal_retention WHERE order_id = %s", (order["id"],))
    assert json.loads(s3_object(invoice_key(order))["Body"].read())["buyer"]["cpf"] is not None

    personal_data.purge_expired_fiscal_records(today=retain_until + timedelta(days=1))

    assert db.fetch_one("SELECT 1 AS kept FROM fiscal_retention WHERE order_id = %s", (order["id"],)) is None
    stored = db.fetch_one("SELECT document, written_at FROM invoices WHERE order_id = %s", (order["id"],))
    assert stored["document"]["buyer"] == {"name": "Titular anonimizado", "cpf": None}
    assert stored["written_at"] is not None
    document = json.loads(s3_object(invoice_key(order))["Body"].read())
    assert document["buyer"] == {"name": "Titular anonimizado", "cpf": None}
    assert document["totals"] == stored["document"]["totals"]


def test_an_organizers_account_is_not_deleted_here(runtime, organizer):
    with pytest.raises(InvalidState):
        personal_data.delete_account(organizer)
    assert personal_data.export(organizer)["profile"]["email"] == email_of(organizer)


def test_a_deletion_racing_the_callers_own_transfer_ends_in_one_clear_answer(
    runtime,
    make_event,
    new_user,
    wide_pool,  # noqa: F811 - fixture
):
    from concurrent.futures import ThreadPoolExecutor

    ev = make_event(capacity=50)
    for _ in range(5):
        buyer, friend = new_user(), new_user()
        issued(ev, buyer, quantity=1, seat=None, products=0)
        ticket = tickets.held_tickets(buyer)["items"][0]

        def give(buyer=buyer, ticket=ticket, friend=friend) -> str:
            tickets.transfer_ticket(buyer, ticket["id"], TransferIn(email=email_of(friend)))
            return "transferred"

        def leave(buyer=buyer) -> str:
            try:
                personal_data.delete_account(buyer)
                return "deleted"
            except InvalidState:
                return "refused"

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(f.result() for f in [pool.submit(give), pool.submit(leave)])
        assert outcomes in (["refused", "transferred"], ["deleted", "transferred"])
        assert [t["id"] for t in tickets.held_tickets(friend)["items"]] == [ticket["id"]]
