-- Issue 14, money and inventory integrity (contract v2 "Money and inventory integrity"): the schema it needs.
-- The rules themselves live in the functions of ../sql/ (mark_order_paid, settle_payment, check_hold_limits,
-- release_orders, boleto_refusal, start_payment, refund_cancelled_events, refund_progress).

-- A refund as the payment shows it: why, when it was asked for, when the money went back. The amount is the
-- payment's own amount_cents (a bigint).
ALTER TABLE payments
    ADD COLUMN refund_reason text,
    ADD COLUMN refund_requested_at timestamptz,
    ADD COLUMN refunded_at timestamptz;
UPDATE payments SET refund_requested_at = COALESCE(decided_at, updated_at) WHERE status = 'refund_due';
UPDATE payments SET refund_requested_at = updated_at, refunded_at = updated_at WHERE status = 'refunded';
-- What the cancellation's background run looks for: money still to give back.
CREATE INDEX payments_refund_due ON payments (order_id) WHERE status = 'refund_due';

-- Places one account holds in unpaid orders (reserved, awaiting_payment) of an event: the hold's own
-- conditional upsert (check_hold_limits) keeps it at most the event's max_tickets_per_order; every release
-- and every payment gives the places back. A count of places, not money: an int, as orders.ticket_count.
-- No foreign keys: it sits on the hot hold path and only the hold inserts rows, with the ids it has just read.
CREATE TABLE account_hold_counts (
    event_id uuid NOT NULL,
    user_id  uuid NOT NULL,
    held     int NOT NULL CHECK (held >= 0),
    PRIMARY KEY (event_id, user_id)
);
INSERT INTO account_hold_counts (event_id, user_id, held)
SELECT event_id, user_id, sum(ticket_count) FROM orders
 WHERE status IN ('reserved', 'awaiting_payment')
 GROUP BY event_id, user_id;

-- refund_progress is now counted from the orders and their payments; event_cancellations.paid_orders stays
-- as the number of orders paid at the moment of the cancellation, no longer the progress's total.
COMMENT ON COLUMN event_cancellations.paid_orders IS
    'orders paid when the event was cancelled (a record; refund_progress counts from orders and payments)';
