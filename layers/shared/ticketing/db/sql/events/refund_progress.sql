-- refund_progress of a cancelled event: {refunded, total}.
CREATE OR REPLACE FUNCTION refund_progress(p_event uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
               'refunded', c.paid_orders - (SELECT count(*) FROM orders WHERE event_id = p_event AND status = 'paid'),
               'total', c.paid_orders,
               'finished_at', iso_utc(c.finished_at))
      FROM event_cancellations c
     WHERE c.event_id = p_event
$$;
