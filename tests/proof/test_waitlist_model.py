"""Proves, with a hypothesis state machine on real PostgreSQL, that random sequences of holds, payments,
cancellations, deadlines passing (lazily and through the expiry job), refunds and the waiting list (join,
leave, offers lapsing or paid) keep the books of a general and a seated sector (issue 18). After every step:
- sold + held + on offer + on public sale = capacity, counted from the orders and from the public view;
- no seat belongs to two live or paid orders, and every offer is one live order of its entry's buyer;
- offers go strictly in join order: an entry offered in this step has no entry still waiting ahead of it
  that asked for no more places; and no waiting entry could buy its places on public sale right now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from accounts import make_user
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from model_support import model_settings

from ticketing import db
from ticketing.api.catalog import EventIn, EventPatch, SectorIn
from ticketing.api.orders import OrderIn
from ticketing.api.payments import PaymentIn
from ticketing.api.waitlist import WaitlistIn
from ticketing.errors import DomainError
from ticketing.services import catalog, orders, payments, refunds, waitlist

CAPACITY, SEATS, BUYERS = 4, 3, 4
CARD = {"number": "4111111111111111", "holder": "Ana Souza", "exp_month": 12, "exp_year": 2031, "cvv": "123"}
SECTORS = ("general", "seated")
SEEN = {"offered": 0, "lapsed": 0, "converted": 0}  # across the run: the model reaches every outcome


def attempt(call):
    try:
        return call()
    except DomainError:
        return None


class WaitlistModel(RuleBasedStateMachine):
    @initialize(general=st.integers(0, CAPACITY), seats=st.integers(0, SEATS))
    def new_event(self, general=0, seats=0):
        """An event on sale whose sectors start with `general` places and `seats` seats held (by the last
        buyer), so sold-out sectors, where the waiting list lives, come early in a run."""
        self.organizer = make_user(organizer=True, name="Modelo")
        self.buyers = [make_user(name="Modelo") for _ in range(BUYERS)]
        event = catalog.create_event(
            self.organizer,
            EventIn(
                name="Lista",
                venue="Arena",
                starts_at=datetime.now(UTC) + timedelta(days=30),
                max_installments=1,
            ),
        )
        self.event_id = event["id"]
        self.sector = {
            "general": catalog.create_sector(
                self.organizer,
                self.event_id,
                SectorIn(name="Pista", kind="general", price_cents=10000, capacity=CAPACITY),
            )["id"],
            "seated": catalog.create_sector(
                self.organizer,
                self.event_id,
                SectorIn(
                    name="Cadeiras", kind="seated", price_cents=20000, rows=[{"row": "A", "seats": SEATS}]
                ),
            )["id"],
        }
        catalog.update_event(self.organizer, self.event_id, EventPatch(status="on_sale"))
        self.seats = [s["id"] for s in catalog.seat_map(self.event_id, self.sector["seated"], None)["items"]]
        if general:
            self.hold_general(BUYERS - 1, general)
        for seat in range(seats):
            self.hold_seat(BUYERS - 1, seat)
        self.statuses = self.entry_statuses()

    # ----- helpers -----
    def buyer_of(self, order_id: str):
        sub = db.fetch_one(
            "SELECT u.cognito_sub FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = %s", (order_id,)
        )["cognito_sub"]
        return next(b for b in self.buyers if b.sub == sub)

    def event_orders(self, *statuses: str) -> list[str]:
        rows = db.fetch_all(
            "SELECT id FROM orders WHERE event_id = %s AND status = ANY(%s) ORDER BY created_at, id",
            (self.event_id, list(statuses)),
        )
        return [str(r["id"]) for r in rows]

    def pick(self, ids: list[str], index: int) -> str | None:
        return ids[index % len(ids)] if ids else None

    def entry_statuses(self) -> dict[str, str]:
        rows = db.fetch_all("SELECT id, status FROM waitlist_entries WHERE event_id = %s", (self.event_id,))
        return {str(r["id"]): r["status"] for r in rows}

    # ----- rules -----
    @rule(buyer=st.integers(0, BUYERS - 1), quantity=st.integers(1, 3))
    def hold_general(self, buyer, quantity):
        body = {
            "event_id": self.event_id,
            "tickets": [{"sector_id": self.sector["general"], "quantity": quantity}],
        }
        attempt(lambda: orders.hold_order(self.buyers[buyer], OrderIn.model_validate(body)))

    @rule(buyer=st.integers(0, BUYERS - 1), seat=st.integers(0, SEATS - 1))
    def hold_seat(self, buyer, seat):
        body = {
            "event_id": self.event_id,
            "tickets": [{"sector_id": self.sector["seated"], "seat_id": self.seats[seat]}],
        }
        attempt(lambda: orders.hold_order(self.buyers[buyer], OrderIn.model_validate(body)))

    @rule(index=st.integers(0, 20))
    def pay(self, index):
        order_id = self.pick(self.event_orders("reserved"), index)
        if order_id:
            body = PaymentIn.model_validate({"method": "card", "card": CARD})
            attempt(lambda: payments.create_payment(self.buyer_of(order_id), order_id, body))

    @rule(index=st.integers(0, 20))
    def cancel(self, index):
        order_id = self.pick(self.event_orders("reserved", "awaiting_payment"), index)
        if order_id:
            attempt(lambda: orders.cancel_order(self.buyer_of(order_id), order_id))

    @rule(index=st.integers(0, 20), job=st.booleans())
    def deadline_passes(self, index, job):
        """A hold's deadline passes; the expiry job runs now, or not (lazy expiry: the next hold releases it)."""
        order_id = self.pick(self.event_orders("reserved", "awaiting_payment"), index)
        if order_id:
            db.fetch_one(
                "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING id",
                (order_id,),
            )
        if job:
            orders.release_expired_holds()

    @rule(index=st.integers(0, 20))
    def refund(self, index):
        order_id = self.pick(self.event_orders("paid"), index)
        if order_id:
            attempt(lambda: refunds.refund_order(self.organizer, order_id))

    @rule(buyer=st.integers(0, BUYERS - 1), sector=st.sampled_from(SECTORS), quantity=st.integers(1, 3))
    def join(self, buyer, sector, quantity):
        body = WaitlistIn(sector_id=self.sector[sector], quantity=quantity)
        attempt(lambda: waitlist.join(self.buyers[buyer], self.event_id, body))

    @rule(buyer=st.integers(0, BUYERS - 1), index=st.integers(0, 20))
    def leave(self, buyer, index):
        mine = [
            e["id"] for e in waitlist.list_mine(self.buyers[buyer])["items"] if e["event_id"] == self.event_id
        ]
        entry = self.pick(mine, index)
        if entry:
            attempt(lambda: waitlist.leave(self.buyers[buyer], entry))

    # ----- invariants -----
    @invariant()
    def places_add_up(self):
        public = {s["id"]: s for s in catalog.get_event(self.event_id, None)["sectors"]}
        for sector, capacity in (("general", CAPACITY), ("seated", SEATS)):
            counts = db.fetch_one(
                """
                SELECT COALESCE(sum(l.quantity) FILTER (WHERE o.status = 'paid'), 0)::int AS sold,
                       COALESCE(sum(l.quantity) FILTER (WHERE o.status IN ('reserved', 'awaiting_payment')
                                                          AND o.expires_at > now() AND NOT o.waitlist_offer), 0)::int
                           AS held,
                       COALESCE(sum(l.quantity) FILTER (WHERE o.status IN ('reserved', 'awaiting_payment')
                                                          AND o.expires_at > now() AND o.waitlist_offer), 0)::int
                           AS on_offer,
                       COALESCE(sum(l.quantity) FILTER (WHERE o.status IN ('reserved', 'awaiting_payment')
                                                          AND o.expires_at <= now()), 0)::int AS lapsed,
                       COALESCE(sum(l.quantity) FILTER (WHERE o.status IN ('reserved', 'awaiting_payment', 'paid')),
                                0)::int AS taken
                  FROM order_tickets l JOIN orders o ON o.id = l.order_id
                 WHERE l.sector_id = %(s)s
                """,
                {"s": self.sector[sector]},
            )
            waiting = db.fetch_one(
                "SELECT count(*) AS n FROM waitlist_entries WHERE sector_id = %s AND status = 'waiting'",
                (self.sector[sector],),
            )["n"]
            available = public[self.sector[sector]]["available"]
            # A lapsed hold not yet released is on public sale, unless people wait: then it goes to them.
            not_for_sale = counts["lapsed"] if waiting else 0
            assert (
                counts["sold"] + counts["held"] + counts["on_offer"] + not_for_sale + available == capacity
            ), (
                sector,
                counts,
                available,
                waiting,
            )
            if sector == "general":
                free = db.fetch_one(
                    "SELECT sum(available)::int AS n FROM sector_buckets WHERE sector_id = %s",
                    (self.sector[sector],),
                )["n"]
            else:
                free = db.fetch_one(
                    "SELECT count(*)::int AS n FROM seats WHERE sector_id = %s AND order_id IS NULL",
                    (self.sector[sector],),
                )["n"]
            assert free + counts["taken"] == capacity, (sector, free, counts)

    @invariant()
    def no_seat_in_two_orders(self):
        rows = db.fetch_all(
            """
            SELECT l.seat_id, count(*) AS n FROM order_tickets l JOIN orders o ON o.id = l.order_id
             WHERE o.event_id = %s AND l.seat_id IS NOT NULL AND o.status IN ('reserved', 'awaiting_payment', 'paid')
             GROUP BY l.seat_id HAVING count(*) > 1
            """,
            (self.event_id,),
        )
        assert rows == []
        stray = db.fetch_all(
            """
            SELECT x.id FROM seats x LEFT JOIN orders o ON o.id = x.order_id
             WHERE x.sector_id = %s AND x.order_id IS NOT NULL
               AND (o.id IS NULL OR o.status NOT IN ('reserved', 'awaiting_payment', 'paid'))
            """,
            (self.sector["seated"],),
        )
        assert stray == []

    @invariant()
    def offers_are_their_buyers_orders(self):
        rows = db.fetch_all(
            """
            SELECT w.status, w.user_id = o.user_id AS same_buyer, o.waitlist_offer, o.status AS order_status,
                   o.ticket_count = w.quantity AS same_quantity
              FROM waitlist_entries w JOIN orders o ON o.id = w.order_id
             WHERE w.event_id = %s
            """,
            (self.event_id,),
        )
        for row in rows:
            assert row["same_buyer"] and row["waitlist_offer"] and row["same_quantity"], row
            if row["status"] == "offered":
                assert row["order_status"] in ("reserved", "awaiting_payment"), row
            if row["status"] == "converted":
                assert row["order_status"] in ("paid", "refunded"), row

    @invariant()
    def offers_in_join_order(self):
        now = self.entry_statuses()
        newly_offered = [
            e for e, status in now.items() if status == "offered" and self.statuses.get(e) != "offered"
        ]
        for entry in newly_offered:
            ahead = db.fetch_all(
                """
                SELECT a.id FROM waitlist_entries a JOIN waitlist_entries e ON e.id = %s
                 WHERE a.sector_id = e.sector_id AND a.seq < e.seq AND a.status = 'waiting' AND a.quantity <= e.quantity
                """,
                (entry,),
            )
            assert ahead == [], (entry, ahead)
        SEEN["offered"] += len(newly_offered)
        for outcome in ("lapsed", "converted"):
            SEEN[outcome] += sum(
                1 for e, s in now.items() if s == outcome and self.statuses.get(e) != outcome
            )
        self.statuses = now

    @invariant()
    def nobody_waits_for_places_on_sale(self):
        public = {s["id"]: s["available"] for s in catalog.get_event(self.event_id, None)["sectors"]}
        rows = db.fetch_all(
            "SELECT sector_id, min(quantity) AS smallest FROM waitlist_entries"
            " WHERE event_id = %s AND status = 'waiting' GROUP BY sector_id",
            (self.event_id,),
        )
        for row in rows:
            assert public[str(row["sector_id"])] < row["smallest"], (row, public)


@pytest.mark.slow
def test_the_waiting_list_follows_the_model(runtime, database_url):
    run_state_machine_as_test(
        WaitlistModel,
        settings=model_settings(max_examples=25),
    )
    assert all(SEEN.values()), SEEN
