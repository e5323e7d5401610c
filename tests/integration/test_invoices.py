"""Invoices against the real PostgreSQL and moto: one invoice per order under duplicate and concurrent
deliveries, gapless numbers, the access key, the JSON in S3, e-tickets, the e-mail, poison messages and the
DLQ, and the repair of an interrupted run."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from paid_orders import (
    email_of,
    fetch,
    hold,
    invoice_row,
    paid_order,
    paid_quietly,
    s3_object,
    sent_emails,
    sqs_event,
)

from localrun.aws_resources import boto_client
from localrun.testing import eventually
from ticketing import db, documents
from ticketing.config import settings
from ticketing.domain.nfe import is_valid_access_key, parse_access_key
from ticketing.errors import NotFound
from ticketing.services import invoices


def test_a_paid_order_gets_its_invoice_tickets_pdfs_and_email(runtime, make_event, new_user, organizer):
    ev = make_event(capacity=50)
    buyer = new_user()
    order = paid_order(ev, buyer, quantity=3, seat=0, products=2)

    done = invoices.process_paid_order(order["id"])

    # The runtime's consumer of PaidOrdersQueue may be sending the e-mail of this very order right now.
    row = eventually(lambda: (r := invoice_row(order["id"]))["emailed_at"] and r)
    assert row["number"] == done["number"] and row["written_at"] and row["tickets_written_at"]
    assert is_valid_access_key(row["access_key"])
    parts = parse_access_key(row["access_key"])
    assert (parts.uf_code, parts.cnpj, parts.model, parts.series, parts.number, parts.emission_type) == (
        35,
        "11222333000181",
        55,
        1,
        row["number"],
        1,
    )
    stored = s3_object(f"invoices/{ev['event']['id']}/{order['id']}.json")
    assert stored["ServerSideEncryption"] == "AES256"
    document = json.loads(stored["Body"].read())
    assert document["access_key"] == row["access_key"] and document["number"] == row["number"]
    assert document["issuer"]["cnpj"] == "11222333000181" and document["buyer"]["cpf"]
    kinds = [item["kind"] for item in document["items"]]
    assert kinds == ["ticket", "ticket", "product"]
    assert sum(item["total_cents"] for item in document["items"]) == document["totals"]["total_cents"]
    assert document["totals"]["total_cents"] == order["total_cents"]
    assert document["payment"] == {
        "method": "card",
        "installments": 1,
        "installment_cents": order["total_cents"],
        "amount_cents": order["total_cents"],
    }

    tickets = db.fetch_all("SELECT id, code FROM tickets WHERE order_id = %s", (order["id"],))
    assert len(tickets) == 4 and len({t["code"] for t in tickets}) == 4
    assert all(len(t["code"]) >= 32 for t in tickets)
    for ticket in tickets:
        pdf = s3_object(f"tickets/{order['id']}/{ticket['id']}.pdf")
        assert pdf["ServerSideEncryption"] == "AES256" and pdf["Body"].read().startswith(b"%PDF")
    mails = sent_emails(email_of(buyer))
    assert len(mails) == 1 and str(row["number"]) in json.dumps(mails[0])


def test_the_invoice_lists_the_service_fee_and_half_price_lines(runtime, make_event, new_user):
    ev = make_event(capacity=50, service_fee_percent=10)
    order = paid_quietly(ev, new_user(), quantity=2, seat=None, half=True, products=0)
    invoices.process_paid_order(order["id"])
    document = invoice_row(order["id"])["document"]
    ticket, fee = document["items"]
    assert (ticket["type"], ticket["half_category"], ticket["quantity"], ticket["unit_cents"]) == (
        "half",
        "student",
        2,
        5000,
    )
    assert (fee["kind"], fee["total_cents"]) == ("service_fee", 1000)
    assert document["totals"] == {
        "tickets_cents": 10000,
        "fees_cents": 1000,
        "products_cents": 0,
        "total_cents": 11000,
    }


@pytest.mark.usefixtures("wide_pool")
def test_duplicate_and_concurrent_deliveries_make_one_invoice(runtime, make_event, new_user):
    ev = make_event(capacity=50)
    buyer = new_user()
    order = paid_quietly(ev, buyer, quantity=2, seat=None, products=0)
    function = runtime.functions["IssueInvoiceFunction"]
    event = sqs_event([order["id"], order["id"]])  # one batch holding the message twice

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: function.invoke(event), range(16)))

    assert all(r == {"batchItemFailures": []} for r in results), results
    assert db.fetch_one("SELECT count(*) AS n FROM invoices WHERE order_id = %s", (order["id"],))["n"] == 1
    assert db.fetch_one("SELECT count(*) AS n FROM tickets WHERE order_id = %s", (order["id"],))["n"] == 2
    assert eventually(lambda: invoice_row(order["id"])["emailed_at"])
    assert len(sent_emails(email_of(buyer))) == 1


@pytest.mark.usefixtures("wide_pool")
def test_numbers_stay_gapless_across_200_orders_invoiced_concurrently(runtime, make_event, new_user):
    ev = make_event(capacity=400)
    buyers = [new_user() for _ in range(20)]
    with ThreadPoolExecutor(8) as pool:
        order_ids = list(
            pool.map(
                lambda i: paid_quietly(ev, buyers[i % 20], quantity=1, seat=None, products=0)["id"],
                range(200),
            )
        )
    function = runtime.functions["IssueInvoiceFunction"]
    # Overlapping batches: every order is in two batches handled by different threads.
    batches = [order_ids[start : start + 10] for start in range(0, 200, 5)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda batch: function.invoke(sqs_event(batch)), batches))

    assert all(r == {"batchItemFailures": []} for r in results), results
    mine = db.fetch_all("SELECT number FROM invoices WHERE order_id = ANY(%s::uuid[])", (order_ids,))
    assert len(mine) == 200
    series = db.fetch_one(
        "SELECT count(*) AS n, min(number) AS low, max(number) AS high FROM invoices WHERE series = 1"
    )
    assert (series["low"], series["high"]) == (1, series["n"])  # 1..N: no gap, no repeat
    next_number = db.fetch_one("SELECT next_number FROM invoice_series WHERE series = 1")["next_number"]
    assert next_number == series["n"] + 1
    keys = db.fetch_all("SELECT access_key FROM invoices WHERE order_id = ANY(%s::uuid[])", (order_ids,))
    assert all(is_valid_access_key(k["access_key"]) for k in keys)


def test_a_rolled_back_invoice_leaves_no_gap(runtime, make_event, new_user, monkeypatch):
    ev = make_event(capacity=10)
    failing = paid_quietly(ev, new_user(), quantity=1, seat=None, products=0)
    before = db.fetch_one("SELECT next_number FROM invoice_series WHERE series = 1")["next_number"]

    monkeypatch.setattr(invoices.tickets, "new_code", lambda: "x")  # too short: the tickets insert fails
    with pytest.raises(Exception):  # noqa: B017 - any database error
        invoices.process_paid_order(failing["id"])
    monkeypatch.undo()
    assert invoice_row(failing["id"]) is None
    assert db.fetch_one("SELECT next_number FROM invoice_series WHERE series = 1")["next_number"] == before
    invoices.process_paid_order(failing["id"])
    assert invoice_row(failing["id"]) is not None


def test_an_interrupted_run_is_finished_by_the_redelivery(runtime, make_event, new_user, monkeypatch):
    ev = make_event(capacity=10)
    buyer = new_user()
    order = paid_quietly(ev, buyer, quantity=1, seat=None, products=0)
    real_put = documents.put_pdf

    def s3_down(key, pdf):
        raise ConnectionError("S3 is unreachable")

    monkeypatch.setattr(documents, "put_pdf", s3_down)
    result = runtime.functions["IssueInvoiceFunction"].invoke(sqs_event([order["id"]]))
    assert len(result["batchItemFailures"]) == 1  # the message stays for a retry
    row = invoice_row(order["id"])
    assert row["written_at"] is not None and row["tickets_written_at"] is None and row["emailed_at"] is None

    monkeypatch.setattr(documents, "put_pdf", real_put)
    assert runtime.functions["IssueInvoiceFunction"].invoke(sqs_event([order["id"]])) == {
        "batchItemFailures": []
    }
    row = eventually(lambda: (r := invoice_row(order["id"]))["emailed_at"] and r)
    assert row["tickets_written_at"] is not None and row["emailed_at"] is not None
    assert len(sent_emails(email_of(buyer))) == 1


def test_the_repair_sweep_finishes_what_was_left(runtime, make_event, new_user, monkeypatch):
    ev = make_event(capacity=10)
    order = paid_quietly(ev, new_user(), quantity=1, seat=None, products=0)
    monkeypatch.setattr(
        documents, "put_json", lambda key, doc: (_ for _ in ()).throw(ConnectionError("down"))
    )
    with pytest.raises(ConnectionError):
        invoices.process_paid_order(order["id"])
    monkeypatch.undo()
    assert invoice_row(order["id"])["written_at"] is None

    counts = invoices.complete_pending_documents(min_age_seconds=0)

    assert counts["failed"] == 0 and counts["completed"] >= 1
    assert invoice_row(order["id"])["written_at"] is not None
    assert runtime.functions["IssueInvoiceFunction"].invoke({"repair": "invoice-documents"})["failed"] == 0


def test_a_poison_message_reaches_the_dlq_while_the_rest_of_its_batch_is_invoiced(
    runtime, make_event, new_user
):
    ev = make_event(capacity=10)
    good = [paid_order(ev, new_user(), quantity=1, seat=None, products=0)["id"] for _ in range(3)]
    sqs = boto_client("sqs", runtime.moto_endpoint)
    queue_url = runtime.physical("PaidOrdersQueue").ref
    dead_url = runtime.physical("PaidOrdersDeadLetterQueue").ref
    poison_order = str(uuid.uuid4())  # no such order: fails on every delivery
    bodies = [
        json.dumps(
            {
                "Type": "Notification",
                "Message": json.dumps({"type": "order.paid", "order_id": oid, "event_id": ev["event"]["id"]}),
            }
        )
        for oid in [*good, poison_order]
    ]
    sqs.send_message_batch(
        QueueUrl=queue_url, Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)]
    )

    deadline = time.monotonic() + 60
    in_dlq = None
    while time.monotonic() < deadline and in_dlq is None:
        for message in sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            if poison_order in message["Body"]:
                in_dlq = message
                sqs.delete_message(QueueUrl=dead_url, ReceiptHandle=message["ReceiptHandle"])
    assert in_dlq is not None, "the poison message never reached the DLQ"
    assert all(invoice_row(oid) and invoice_row(oid)["written_at"] for oid in good)


def test_the_invoice_route_answers_the_buyer_and_the_organizer_only_once_written(
    runtime, make_event, new_user, organizer, new_organizer
):
    ev = make_event(capacity=10)
    buyer = new_user()
    order = paid_quietly(ev, buyer, quantity=1, seat=None, products=0)
    with pytest.raises(NotFound):
        invoices.get_invoice(buyer, order["id"])
    invoices.process_paid_order(order["id"])

    mine = invoices.get_invoice(buyer, order["id"])
    assert set(mine) >= {"number", "series", "access_key", "issued_at", "url"}
    assert json.loads(fetch(mine["url"]))["access_key"] == mine["access_key"]
    assert invoices.get_invoice(organizer, order["id"])["number"] == mine["number"]
    for stranger in (new_user(), new_organizer()):
        with pytest.raises(NotFound):
            invoices.get_invoice(stranger, order["id"])
    unpaid = hold(ev, new_user(), quantity=1, seat=None, products=0)
    with pytest.raises(NotFound):
        invoices.get_invoice(organizer, unpaid["id"])
    assert settings().documents_bucket
