"""API Pix (issue 20) on PostgreSQL, through the services and the local API Pix simulator: charges, the
standard webhook (each endToEndId once, batches, wrong amounts, unknown txids, late PIX), devolutions for
every refund path (idempotent, NAO_REALIZADO), boleto híbrido, and a provider that is down while refunds
are asked for."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
from datetime import UTC, datetime

import pytest
from paid_orders import force_expiry

from localrun.pix_simulator import PixSimulator
from ticketing import db
from ticketing.api.catalog import EventPatch
from ticketing.api.orders import OrderIn
from ticketing.api.payments import PaymentIn
from ticketing.config import reload_settings
from ticketing.errors import DomainError, Unauthorized
from ticketing.services import cancellations, catalog, orders, outbox, payments, pix_payments, refunds
from ticketing.webhook import forget_pix_secret

PIX_SECRET = "local-pix-secret"
V1_SECRET = "test-webhook-secret"


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture(autouse=True)
def bank(database_url: str, moto_server: str, pix_simulator: PixSimulator):
    """The simulator notifies the webhook service directly (no HTTP API in these tests), and starts clean of
    outages; devolutions end only when a test settles them."""
    answers: list[int] = []

    def deliver(raw: bytes, signature: str) -> int:
        try:
            pix_payments.handle_webhook(raw, signature)
        except DomainError as exc:
            answers.append(exc.status)
            return exc.status
        answers.append(200)
        return 200

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIX_WEBHOOK_SECRET", PIX_SECRET)
        patch.setenv("PAYMENT_WEBHOOK_SECRET", V1_SECRET)
        patch.setattr(pix_simulator, "deliver", deliver)
        reload_settings()
        forget_pix_secret()
        from ticketing.webhook import forget_secret

        forget_secret()
        pix_simulator.control({"foraDoAr": False, "recusarDevolucoes": False})
        yield pix_simulator
        pix_simulator.control({"foraDoAr": False, "recusarDevolucoes": False})
    reload_settings()


def hold(ev: dict, buyer, quantity: int = 2, seat: int | None = None) -> dict:
    tickets = [{"sector_id": ev["general"]["id"], "quantity": quantity}] if quantity else []
    if seat is not None:
        tickets.append({"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][seat]["id"]})
    return orders.hold_order(buyer, OrderIn(event_id=ev["event"]["id"], tickets=tickets)).order


def pay(buyer, order_id: str, method: str = "pix") -> dict:
    return payments.create_payment(buyer, order_id, PaymentIn(method=method)).payment


def payment_now(buyer, order_id: str) -> dict:
    return orders.get_order(buyer, order_id)["payment"]


def order_status(buyer, order_id: str) -> str:
    return orders.get_order(buyer, order_id)["status"]


def signed_pix(body: dict, secret: str = PIX_SECRET) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def v1_webhook(payment_id: str, status: str) -> dict:
    raw = json.dumps({"payment_id": payment_id, "status": status}).encode()
    return payments.handle_webhook(
        raw, "sha256=" + hmac.new(V1_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    )


def a_e2eid() -> str:
    return (
        "E99999008"
        + datetime.now(UTC).strftime("%Y%m%d%H%M")
        + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(11))
    )


def devolutions_at_bank(sim: PixSimulator, e2eid: str) -> dict:
    return {d["id"]: d for d in sim.get_pix(e2eid).get("devolucoes", [])}


def paid_by_pix(sim: PixSimulator, ev: dict, buyer, **hold_args) -> tuple[dict, dict, str]:
    order = hold(ev, buyer, **hold_args)
    payment = pay(buyer, order["id"])
    pix = sim.pay({"pixCopiaECola": payment["pix_copy_paste"]})
    assert order_status(buyer, order["id"]) == "paid"
    return order, payment, pix["endToEndId"]


# ---------------------------------------------------------------- charges
def test_a_pix_payment_is_a_charge_at_the_provider_with_its_location_and_amount(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    assert 26 <= len(payment["pix_txid"]) <= 35 and payment["pix_txid"].isalnum()
    charge = bank.get_charge("cob", payment["pix_txid"])
    assert charge["status"] == "ATIVA" and charge["valor"]["original"] == "200.00"
    assert charge["location"] == payment["pix_location"]
    assert 1700 <= charge["calendario"]["expiracao"] <= 1800  # the payment's 30 minutes


def test_the_provider_down_when_paying_by_pix_is_503_and_the_order_stays_payable(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    bank.control({"foraDoAr": True})
    with pytest.raises(DomainError) as refused:
        pay(buyer, order["id"])
    assert refused.value.status == 503
    bank.control({"foraDoAr": False})
    assert order_status(buyer, order["id"]) == "reserved"
    assert pay(buyer, order["id"])["status"] == "pending"


def test_an_order_that_cannot_be_paid_leaves_no_charge_at_the_provider(make_event, new_user, bank):
    buyer = new_user()
    order, _, _ = paid_by_pix(bank, make_event(), buyer)
    charges = len(bank.charges)
    with pytest.raises(DomainError) as refused:
        pay(buyer, order["id"])
    assert refused.value.name == "invalid-state"
    assert len(bank.charges) == charges


def test_cancelling_the_order_withdraws_its_charge_and_a_pix_that_still_arrives_goes_back(
    make_event, new_user, bank
):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    orders.cancel_order(buyer, order["id"])
    assert bank.get_charge("cob", payment["pix_txid"])["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    with bank.lock:  # a bank that paid it anyway (a race at the provider)
        bank.charges[payment["pix_txid"]]["status"] = "ATIVA"
    pix = bank.pay({"pixCopiaECola": payment["pix_copy_paste"]})
    shown = payment_now(buyer, order["id"])
    assert order_status(buyer, order["id"]) == "cancelled"
    assert shown["status"] == "refund_due" and shown["refund"]["reason"] == "order-cancelled"
    assert list(devolutions_at_bank(bank, pix["endToEndId"])) == [shown["refund"]["id"]]


# ---------------------------------------------------------------- the webhook
def test_paying_the_br_code_pays_the_order_once_and_a_repeated_notice_changes_nothing(
    make_event, new_user, bank
):
    buyer = new_user()
    order, payment, e2eid = paid_by_pix(bank, make_event(), buyer)
    shown = payment_now(buyer, order["id"])
    assert shown["status"] == "approved" and "refund" not in shown
    assert (
        db.fetch_one("SELECT pix_e2eid FROM payments WHERE id = %s", (payment["id"],))["pix_e2eid"] == e2eid
    )
    # The provider notifies the same PIX again (a retry): counted once.
    again = pix_payments.handle_webhook(*signed_pix({"pix": [bank.get_pix(e2eid)]}))
    assert again["results"] == [{"endToEndId": e2eid, "outcome": "duplicate"}]
    rows = db.fetch_all(
        "SELECT * FROM outbox WHERE aggregate_id = %s AND kind = 'paid-order'", (order["id"],)
    )
    assert len(rows) == 1
    assert db.fetch_one("SELECT count(*) AS n FROM pix_received WHERE e2eid = %s", (e2eid,))["n"] == 1


def test_a_bad_signature_is_401_and_nothing_is_recorded(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    pix = bank.pay({"pixCopiaECola": payment["pix_copy_paste"], "notificar": False})
    raw, _ = signed_pix({"pix": [pix]})
    for signature in (None, "sha256=" + "0" * 64, signed_pix({"pix": [pix]}, secret="another")[1]):
        with pytest.raises(Unauthorized):
            pix_payments.handle_webhook(raw, signature)
    assert (
        db.fetch_one("SELECT count(*) AS n FROM pix_received WHERE e2eid = %s", (pix["endToEndId"],))["n"]
        == 0
    )
    assert order_status(buyer, order["id"]) == "awaiting_payment"


def test_a_batch_of_several_pix_is_applied_before_the_answer(make_event, new_user, bank):
    ev = make_event()
    buyers = [new_user() for _ in range(3)]
    held = [hold(ev, b) for b in buyers]
    started = [pay(b, o["id"]) for b, o in zip(buyers, held, strict=True)]
    paid = [bank.pay({"pixCopiaECola": p["pix_copy_paste"], "notificar": False}) for p in started]
    assert all(order_status(b, o["id"]) == "awaiting_payment" for b, o in zip(buyers, held, strict=True))
    answer = pix_payments.handle_webhook(*signed_pix({"pix": paid}))
    assert sorted(r["outcome"] for r in answer["results"]) == ["applied"] * 3
    assert all(order_status(b, o["id"]) == "paid" for b, o in zip(buyers, held, strict=True))


def test_a_pix_of_another_amount_is_devolved_alone_and_the_charge_stays_payable(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    short = bank.pay({"pixCopiaECola": payment["pix_copy_paste"], "valor": "150.00"})
    assert order_status(buyer, order["id"]) == "awaiting_payment"
    assert payment_now(buyer, order["id"])["status"] == "pending"
    # That PIX alone goes back, in full, under an id derived from it.
    assert list(devolutions_at_bank(bank, short["endToEndId"])) == ["M" + short["endToEndId"]]
    devolution = devolutions_at_bank(bank, short["endToEndId"])["M" + short["endToEndId"]]
    assert devolution["valor"] == "150.00" and devolution["status"] == "EM_PROCESSAMENTO"
    # The charge is still payable with the right amount.
    bank.pay({"pixCopiaECola": payment["pix_copy_paste"]})
    assert order_status(buyer, order["id"]) == "paid"
    bank.settle_devolutions()
    row = db.fetch_one("SELECT status FROM pix_devolutions WHERE id = %s", ("M" + short["endToEndId"],))
    assert row["status"] == "DEVOLVIDO"
    assert payment_now(buyer, order["id"])["status"] == "approved"


def test_an_unknown_txid_is_recorded_and_answered(bank):
    e2eid = a_e2eid()
    notice = {
        "pix": [
            {
                "endToEndId": e2eid,
                "txid": "NoSuchCharge" + "0" * 20,
                "valor": "10.00",
                "horario": "2026-11-25T12:00:00.000Z",
            }
        ]
    }
    answer = pix_payments.handle_webhook(*signed_pix(notice))
    assert answer["results"] == [{"endToEndId": e2eid, "outcome": "unknown-txid"}]
    row = db.fetch_one("SELECT * FROM pix_received WHERE e2eid = %s", (e2eid,))
    assert row["outcome"] == "unknown-txid" and row["valor_cents"] == 1000 and row["payment_id"] is None


def test_a_malformed_notice_is_422_naming_the_field(bank):
    notice = {"pix": [{"endToEndId": "short", "valor": "10", "horario": "2026-11-25T12:00:00Z"}]}
    with pytest.raises(DomainError) as refused:
        pix_payments.handle_webhook(*signed_pix(notice))
    assert refused.value.status == 422
    fields = {e["field"] for e in refused.value.problem()["errors"]}
    assert {"pix[0].endToEndId", "pix[0].valor"} <= fields


def test_a_late_pix_takes_the_places_back_when_they_are_free(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    force_expiry(order["id"])
    bank.pay({"pixCopiaECola": payment["pix_copy_paste"], "aposExpiracao": True})
    assert order_status(buyer, order["id"]) == "paid"
    assert payment_now(buyer, order["id"])["status"] == "approved"


def test_a_late_pix_whose_seat_was_sold_is_devolved_and_then_refunded(make_event, new_user, bank):
    ev = make_event()
    buyer, other = new_user(), new_user()
    order = hold(ev, buyer, quantity=0, seat=0)
    payment = pay(buyer, order["id"])
    force_expiry(order["id"])
    paid_by_pix(bank, ev, other, quantity=0, seat=0)
    pix = bank.pay({"pixCopiaECola": payment["pix_copy_paste"], "aposExpiracao": True})
    shown = payment_now(buyer, order["id"])
    assert shown["status"] == "refund_due"
    assert shown["refund"]["id"] == "D" + payment["id"].replace("-", "")
    assert shown["refund"]["status"] == "EM_PROCESSAMENTO" and shown["refund"]["reason"] == "places-taken"
    assert list(devolutions_at_bank(bank, pix["endToEndId"])) == [shown["refund"]["id"]]
    bank.settle_devolutions()
    shown = payment_now(buyer, order["id"])
    assert shown["status"] == "refunded" and shown["refund"]["status"] == "DEVOLVIDO"
    assert order_status(buyer, order["id"]) == "expired"


def test_the_v1_webhook_keeps_working_for_a_pix_payment(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    assert v1_webhook(payment["id"], "approved")["order_status"] == "paid"


# ---------------------------------------------------------------- refunds are devolutions
def test_an_organizer_refund_of_pix_money_is_a_devolution_until_devolvido(
    make_event, new_user, organizer, bank
):
    buyer = new_user()
    order, payment, e2eid = paid_by_pix(bank, make_event(), buyer)
    refunded = refunds.refund_order(organizer, order["id"])
    assert refunded["status"] == "refunded"  # the order at once
    shown = payment_now(buyer, order["id"])
    devolution_id = "D" + payment["id"].replace("-", "")
    assert shown["status"] == "refund_due"
    assert shown["refund"]["id"] == devolution_id and shown["refund"]["status"] == "EM_PROCESSAMENTO"
    at_bank = devolutions_at_bank(bank, e2eid)
    assert list(at_bank) == [devolution_id] and at_bank[devolution_id]["valor"] == "200.00"
    # A retry (the scheduled publisher, a crash before the bookkeeping) asks for the same devolution.
    db.fetch_all(
        "UPDATE outbox SET sent_at = NULL WHERE kind = 'pix-devolution' AND aggregate_id = %s RETURNING id",
        (order["id"],),
    )
    outbox.publish_pending(aggregate_ids=[order["id"]])
    assert list(devolutions_at_bank(bank, e2eid)) == [devolution_id]
    bank.settle_devolutions()
    shown = payment_now(buyer, order["id"])
    assert shown["status"] == "refunded" and shown["refund"]["status"] == "DEVOLVIDO"
    assert shown["refund"]["refunded_at"] is not None


def test_a_devolution_not_realised_shows_on_the_order_desk_and_raises_the_metric(
    make_event, new_user, organizer, bank, monkeypatch
):
    emitted: list[str] = []
    from ticketing.services import devolutions

    monkeypatch.setattr(devolutions, "emit", lambda name, *a, **k: emitted.append(name))
    ev = make_event()
    buyer = new_user()
    order, _, _ = paid_by_pix(bank, ev, buyer)
    bank.control({"recusarDevolucoes": True})
    refunds.refund_order(organizer, order["id"])
    bank.settle_devolutions()
    desk = orders.list_event_orders(
        organizer, ev["event"]["id"], status=None, email=None, limit=None, cursor=None
    )
    found = next(o for o in desk["items"] if o["id"] == order["id"])
    assert found["status"] == "refunded"
    assert found["payment"]["status"] == "refund_due"
    assert found["payment"]["refund"]["status"] == "NAO_REALIZADO"
    assert emitted.count("PixDevolutionsNotRealized") == 1
    # A repeated final notice changes nothing and is not counted twice.
    bank.notify(
        [db.fetch_one("SELECT pix_e2eid FROM payments WHERE order_id = %s", (order["id"],))["pix_e2eid"]]
    )
    assert emitted.count("PixDevolutionsNotRealized") == 1


def test_with_the_provider_down_refunds_stand_and_each_devolution_is_made_exactly_once_when_it_is_back(
    make_event, new_user, organizer, bank
):
    ev = make_event()
    buyers = [new_user() for _ in range(3)]
    paid = [paid_by_pix(bank, ev, b) for b in buyers]
    bank.control({"foraDoAr": True})
    # Three paths ask for money back while the provider is down: the organizer, the buyer, the cancellation.
    refunds.refund_order(organizer, paid[0][0]["id"])
    cancellations.withdraw(buyers[1], paid[1][0]["id"])
    catalog.update_event(organizer, ev["event"]["id"], EventPatch(status="cancelled"))
    cancellations.refund_cancelled_events()
    for buyer, (order, _, _) in zip(buyers, paid, strict=True):
        assert order_status(buyer, order["id"]) == "refunded"
        assert payment_now(buyer, order["id"])["refund"]["status"] == "EM_PROCESSAMENTO"
    assert all(not devolutions_at_bank_raw(bank, e2eid) for _, _, e2eid in paid)
    outbox.drain(time_budget_seconds=5)  # still down: nothing reaches the provider, nothing is lost
    assert all(not devolutions_at_bank_raw(bank, e2eid) for _, _, e2eid in paid)
    bank.control({"foraDoAr": False})
    outbox.drain(time_budget_seconds=5)
    outbox.drain(time_budget_seconds=5)
    for _, payment, e2eid in paid:
        assert list(devolutions_at_bank(bank, e2eid)) == ["D" + payment["id"].replace("-", "")]
    bank.settle_devolutions()
    for buyer, (order, _, _) in zip(buyers, paid, strict=True):
        shown = payment_now(buyer, order["id"])
        assert shown["status"] == "refunded" and shown["refund"]["status"] == "DEVOLVIDO"
    assert (
        db.fetch_one(
            "SELECT count(*) AS n FROM outbox WHERE kind = 'pix-devolution' AND sent_at IS NULL"
            " AND aggregate_id = ANY(%s::uuid[])",
            ([o["id"] for o, _, _ in paid],),
        )["n"]
        == 0
    )


def devolutions_at_bank_raw(sim: PixSimulator, e2eid: str) -> list:
    with sim.lock:
        return list(sim.pix[e2eid]["_devolucoes"])


# ---------------------------------------------------------------- boleto híbrido
def test_a_boleto_carries_a_pix_charge_with_its_due_date_and_pix_settles_it_once(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"], "boleto")
    assert payment["boleto_line"] and payment["pix_copy_paste"] and payment["pix_txid"]
    charge = bank.get_charge("cobv", payment["pix_txid"])
    assert charge["calendario"]["dataDeVencimento"] == payment["due_date"]
    bank.pay({"pixCopiaECola": payment["pix_copy_paste"]})
    assert order_status(buyer, order["id"]) == "paid"
    # The boleto clears too: the payment was settled once, by PIX.
    assert v1_webhook(payment["id"], "approved")["status"] == "approved"
    row = db.fetch_one("SELECT paid_with, status FROM payments WHERE id = %s", (payment["id"],))
    assert (row["paid_with"], row["status"]) == ("pix", "approved")


def test_a_pix_after_the_boleto_paid_is_devolved_on_its_own(make_event, new_user, bank):
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"], "boleto")
    v1_webhook(payment["id"], "approved")
    # The slip paid it: its PIX charge is withdrawn, so a bank app can no longer pay it...
    assert bank.get_charge("cobv", payment["pix_txid"])["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    with bank.lock:  # ...and a PIX the provider still accepted (a race at the bank) goes back on its own.
        bank.charges[payment["pix_txid"]]["status"] = "ATIVA"
    pix = bank.pay({"pixCopiaECola": payment["pix_copy_paste"]})
    assert order_status(buyer, order["id"]) == "paid"
    assert list(devolutions_at_bank(bank, pix["endToEndId"])) == ["M" + pix["endToEndId"]]
    assert payment_now(buyer, order["id"])["status"] == "approved"


# ---------------------------------------------------------------- concurrency
def test_concurrent_notices_of_the_same_pix_and_overlapping_batches_count_each_pix_once(
    make_event, new_user, bank, wide_pool
):
    from concurrent.futures import ThreadPoolExecutor

    ev = make_event()
    buyers = [new_user() for _ in range(4)]
    held = [hold(ev, b) for b in buyers]
    started = [pay(b, o["id"]) for b, o in zip(buyers, held, strict=True)]
    paid = [bank.pay({"pixCopiaECola": p["pix_copy_paste"], "notificar": False}) for p in started]
    # 24 notices at once: each PIX alone, and batches of them in both orders (a deadlock would be a 503).
    notices = [[p] for p in paid] * 3 + [paid, list(reversed(paid))] * 6
    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(lambda n: pix_payments.handle_webhook(*signed_pix({"pix": n})), notices))
    outcomes = [r["outcome"] for a in answers for r in a["results"]]
    assert outcomes.count("applied") == 4 and set(outcomes) == {"applied", "duplicate"}
    assert all(order_status(b, o["id"]) == "paid" for b, o in zip(buyers, held, strict=True))
    for order in held:
        rows = db.fetch_all(
            "SELECT id FROM outbox WHERE aggregate_id = %s AND kind = 'paid-order'", (order["id"],)
        )
        assert len(rows) == 1


def test_a_pix_notified_by_hand_pays_and_is_devolved_like_any_other(make_event, new_user, organizer, bank):
    """A provider's notice written by hand (the standard body, signed): the payment is paid by it, and its
    refund completes at the simulator, which takes that PIX as received."""
    buyer = new_user()
    order = hold(make_event(), buyer)
    payment = pay(buyer, order["id"])
    e2eid = a_e2eid()
    notice = {"pix": [{"endToEndId": e2eid, "txid": payment["pix_txid"], "valor": "200.00",
                       "horario": datetime.now(UTC).isoformat()}]}  # fmt: skip
    assert pix_payments.handle_webhook(*signed_pix(notice))["results"][0]["outcome"] == "applied"
    assert order_status(buyer, order["id"]) == "paid"
    refunds.refund_order(organizer, order["id"])
    assert list(devolutions_at_bank(bank, e2eid)) == ["D" + payment["id"].replace("-", "")]
    bank.settle_devolutions()
    assert payment_now(buyer, order["id"])["refund"]["status"] == "DEVOLVIDO"
