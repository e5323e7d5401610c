-- An order becomes paid, and its paid-order message is queued in the same transaction (once per order).
--
-- The one gate of every path to `paid` (card, webhook, late approval): the order's latest payment is an
-- approval of exactly its total, and its event is not cancelled. Callers check first and turn anything else
-- into refund_due; reaching this otherwise is a bug, so it fails the whole transaction.
CREATE OR REPLACE FUNCTION mark_order_paid(p_order uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM orders o JOIN events e ON e.id = o.event_id
         WHERE o.id = p_order AND e.status <> 'cancelled'
           AND (SELECT y.status = 'approved' AND y.amount_cents = o.total_cents
                  FROM payments y WHERE y.order_id = o.id
                 ORDER BY y.created_at DESC, y.id DESC LIMIT 1)) THEN
        RAISE EXCEPTION 'order % may not become paid: its latest payment is not an approval of its total', p_order;
    END IF;
    -- Paid places stop counting toward the account's unpaid holds (a late approval's order is expired, and
    -- gave its places back when it was released).
    UPDATE account_hold_counts c SET held = c.held - o.ticket_count
      FROM orders o
     WHERE o.id = p_order AND o.status IN ('reserved', 'awaiting_payment') AND NOT o.waitlist_offer
       AND c.event_id = o.event_id AND c.user_id = o.user_id;
    -- A waiting-list offer paid (a late approval of a lapsed one included): the entry is converted.
    UPDATE waitlist_entries SET status = 'converted', updated_at = now()
     WHERE order_id = p_order AND status IN ('offered', 'lapsed');
    UPDATE orders SET status = 'paid', paid_at = now(), released_at = NULL, updated_at = now()
     WHERE id = p_order;
    INSERT INTO outbox (kind, aggregate_id, payload)
    SELECT 'paid-order', o.id,
           jsonb_build_object('type', 'order.paid', 'order_id', o.id, 'event_id', o.event_id,
                              'paid_at', iso_utc(o.paid_at), 'total_cents', o.total_cents)
      FROM orders o
     WHERE o.id = p_order
    ON CONFLICT (kind, aggregate_id) WHERE kind = 'paid-order' DO NOTHING;
END
$$;
