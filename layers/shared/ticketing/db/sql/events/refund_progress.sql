-- refund_progress of a cancelled event: {refunded, total, finished_at}, counted in one statement from the
-- orders and their payments (issue 14: it was a snapshot taken at cancellation minus a live count of paid
-- orders, which went negative when a late approval paid an order and missed refunds of late money).
-- An order counts once, as money to give back since the cancellation: `refunded` when its money went back
-- (a payment refunded since then and none still due, or the order itself refunded since then), outstanding
-- while it is paid or has money refund_due since then.
CREATE OR REPLACE FUNCTION refund_progress(p_event uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
               'refunded', x.refunded,
               'total', x.refunded + x.outstanding,
               'finished_at', iso_utc(c.finished_at))
      FROM event_cancellations c
     CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE m.money_back AND NOT m.outstanding) AS refunded,
                  count(*) FILTER (WHERE m.outstanding) AS outstanding
             FROM (SELECT o.status = 'paid'
                          OR EXISTS (SELECT 1 FROM payments y
                                      WHERE y.order_id = o.id AND y.status = 'refund_due'
                                        AND y.refund_requested_at >= c.requested_at) AS outstanding,
                          (o.status = 'refunded' AND o.released_at >= c.requested_at)
                          OR EXISTS (SELECT 1 FROM payments y
                                      WHERE y.order_id = o.id AND y.status = 'refunded'
                                        AND y.refund_requested_at >= c.requested_at) AS money_back
                     FROM orders o
                    WHERE o.event_id = c.event_id) m) x
     WHERE c.event_id = p_event
$$;
