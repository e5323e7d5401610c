-- The order's e-tickets, one per place, with the codes given (in line position, then place order).
-- A second call for the same order inserts nothing.
CREATE OR REPLACE FUNCTION create_order_tickets(p_order uuid, p_codes text[]) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    v_count int;
BEGIN
    INSERT INTO tickets (order_id, order_ticket_id, place, event_id, code, cancelled_at)
    SELECT x.order_id, x.line_id, x.place, x.event_id, p_codes[x.n], x.cancelled_at
      FROM (SELECT l.order_id, l.id AS line_id, g.place, o.event_id,
                   -- an order refunded before its tickets were made gets them already cancelled
                   CASE WHEN o.status = 'refunded' THEN o.released_at END AS cancelled_at,
                   row_number() OVER (ORDER BY l.position, g.place) AS n
              FROM order_tickets l
              JOIN orders o ON o.id = l.order_id
             CROSS JOIN LATERAL generate_series(1, l.quantity) AS g(place)
             WHERE l.order_id = p_order) x
    ON CONFLICT (order_ticket_id, place) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
