"""SQL of the organizer report: one statement over the event's orders."""

count_seat_map_view = """
    INSERT INTO sector_views (sector_id, slot, views) VALUES (%(sector_id)s, floor(random() * 8)::smallint, 1)
    ON CONFLICT (sector_id, slot) DO UPDATE SET views = sector_views.views + 1
"""

# Over paid orders (refunded ones are not revenue). Sector revenue = its tickets' prices and fees, so
# sectors plus add-ons add up to the event's revenue. sales_by_day: by the day of payment in the event's
# time zone (tickets = places, revenue = order totals); a tier's `sold`: paid places at that tier.
event_report = """
    WITH paid AS (
        SELECT id, total_cents, fee_cents, ticket_count, paid_at
          FROM orders WHERE event_id = %(event_id)s AND status = 'paid'
    ),
    days AS (
        SELECT (p.paid_at AT TIME ZONE e.timezone)::date AS day, sum(p.ticket_count) AS tickets,
               sum(p.total_cents) AS revenue
          FROM paid p, events e
         WHERE e.id = %(event_id)s
         GROUP BY 1
    ),
    tier_sales AS (
        SELECT l.tier_id, sum(l.quantity) AS sold
          FROM order_tickets l JOIN paid p ON p.id = l.order_id
         WHERE l.tier_id IS NOT NULL
         GROUP BY l.tier_id
    ),
    sector_sales AS (
        SELECT l.sector_id, sum(l.quantity) AS tickets,
               sum(l.quantity::bigint * (l.unit_price_cents + l.unit_fee_cents)) AS revenue,
               sum(l.quantity::bigint * l.unit_fee_cents) AS fees
          FROM order_tickets l JOIN paid p ON p.id = l.order_id
         GROUP BY l.sector_id
    ),
    product_sales AS (
        SELECT op.product_id, sum(op.quantity) AS quantity, sum(op.quantity::bigint * op.unit_price_cents) AS revenue
          FROM order_products op JOIN paid p ON p.id = op.order_id
         GROUP BY op.product_id
    ),
    statuses AS (
        SELECT CASE WHEN status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
                    THEN 'expired' ELSE status END AS status, count(*) AS n
          FROM orders WHERE event_id = %(event_id)s
         GROUP BY 1
    )
    SELECT
        (SELECT COALESCE(sum(tickets), 0) FROM sector_sales)::int AS tickets_sold,
        (SELECT COALESCE(sum(total_cents), 0) FROM paid)::bigint AS revenue_cents,
        (SELECT COALESCE(sum(fee_cents), 0) FROM paid)::bigint AS fees_cents,
        COALESCE((SELECT jsonb_object_agg(status, n) FROM statuses), '{}'::jsonb) AS orders_by_status,
        COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'date', to_char(day, 'YYYY-MM-DD'), 'tickets', tickets, 'revenue_cents', revenue)
                   ORDER BY day)
              FROM days), '[]'::jsonb) AS sales_by_day,
        COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'product_id', pr.id, 'name', pr.name, 'quantity', ps.quantity, 'revenue_cents', ps.revenue)
                   ORDER BY pr.name, pr.id)
              FROM product_sales ps JOIN products pr ON pr.id = ps.product_id), '[]'::jsonb) AS products_sold,
        COALESCE((
            SELECT jsonb_object_agg(s.id, jsonb_build_object(
                       'tickets_sold', COALESCE(ss.tickets, 0), 'revenue_cents', COALESCE(ss.revenue, 0),
                       'fees_cents', COALESCE(ss.fees, 0),
                       'tiers', COALESCE((
                           SELECT jsonb_agg(jsonb_build_object(
                                      'name', t.name, 'price_cents', t.price_cents, 'sold', COALESCE(ts.sold, 0))
                                  ORDER BY t.position)
                             FROM price_tiers t LEFT JOIN tier_sales ts ON ts.tier_id = t.id
                            WHERE t.sector_id = s.id), '[]'::jsonb),
                       'seat_map_views', (SELECT COALESCE(sum(v.views), 0) FROM sector_views v WHERE v.sector_id = s.id),
                       'waitlist', (
                           SELECT jsonb_build_object(
                                      'waiting', count(*) FILTER (WHERE w.state = 'waiting'),
                                      'offered', count(*) FILTER (WHERE w.state = 'offered'),
                                      'converted', count(*) FILTER (WHERE w.state = 'converted'),
                                      'lapsed', count(*) FILTER (WHERE w.state = 'lapsed'))
                             FROM (SELECT waitlist_entry_document(x.id) ->> 'status' AS state
                                     FROM waitlist_entries x WHERE x.sector_id = s.id) w)))
              FROM sectors s LEFT JOIN sector_sales ss ON ss.sector_id = s.id
             WHERE s.event_id = %(event_id)s), '{}'::jsonb) AS sectors
"""

# Tickets of the event's paid orders that changed hands at least once.
tickets_transferred = """
    SELECT count(DISTINCT x.ticket_id)::int AS n
      FROM ticket_transfers x JOIN orders o ON o.id = x.order_id
     WHERE x.event_id = %(event_id)s AND o.status = 'paid'
"""
