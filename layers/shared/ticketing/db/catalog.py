"""SQL of the catalog: events, sectors, seats, tiers, products. One named statement per decision."""

EVENT_COLUMNS = """
    e.id, e.organizer_id, e.name, e.venue, e.description, e.starts_at, e.timezone, e.status, e.hold_minutes,
    e.max_tickets_per_order, e.service_fee_percent, e.max_tickets_per_cpf, e.max_installments,
    e.queue_enabled, e.queue_admit_per_minute, e.queue_opens_at, e.created_at, e.updated_at, e.city, e.image_url
"""

# How migration 005 folds events.city_key and events.search_key; what a client searches for is folded alike.
FOLD = (
    "lower(translate({}, 'ÁÀÂÃÄÅáàâãäåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÕÖóòôõöÚÙÛÜúùûüÇçÑñ',"
    " 'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuCcNn'))"
)

insert_event = f"""
    INSERT INTO events AS e (organizer_id, name, venue, description, starts_at, timezone, hold_minutes,
                             max_tickets_per_order, service_fee_percent, max_tickets_per_cpf, max_installments,
                             queue_enabled, queue_admit_per_minute, queue_opens_at, city)
    SELECT u.id, %(name)s, %(venue)s, %(description)s, %(starts_at)s, %(timezone)s, %(hold_minutes)s,
           %(max_tickets_per_order)s, %(service_fee_percent)s, %(max_tickets_per_cpf)s, %(max_installments)s,
           %(queue_enabled)s, %(queue_admit_per_minute)s, %(queue_opens_at)s, %(city)s
      FROM users u WHERE u.cognito_sub = %(sub)s
    RETURNING {EVENT_COLUMNS}
"""

# An event the caller may see: on sale / closed / cancelled for everyone, drafts only for their organizer.
find_visible_event = f"""
    SELECT {EVENT_COLUMNS} FROM events e
     WHERE e.id = %(event_id)s
       AND (e.status <> 'draft'
            OR e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s))
"""

# An event the caller organizes.
find_own_event = f"""
    SELECT {EVENT_COLUMNS} FROM events e
     WHERE e.id = %(event_id)s
       AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
"""

# Events whose waiting room is enabled and may still admit someone (the scheduled tick).
events_with_queue = """
    SELECT id FROM events WHERE queue_enabled AND status = 'on_sale' AND starts_at > now() ORDER BY id
"""

# An event the caller organizes, locked for a change.
lock_own_event = f"""
    SELECT {EVENT_COLUMNS} FROM events e
     WHERE e.id = %(event_id)s
       AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
       FOR UPDATE
"""

# ?city= is the whole city name, ?q= words found in this order in the name or venue (pattern: "%w1%w2%").
list_events = f"""
    SELECT {EVENT_COLUMNS} FROM events e
     WHERE (%(status)s::text IS NULL OR e.status = %(status)s)
       AND (e.status <> 'draft' OR e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s))
       AND (NOT %(mine)s OR e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s))
       AND (%(city)s::text IS NULL OR e.city_key = {FOLD.format("%(city)s::text")})
       AND (%(pattern)s::text IS NULL OR e.search_key LIKE {FOLD.format("%(pattern)s::text")})
       AND (%(after_start)s::timestamptz IS NULL OR (e.starts_at, e.id) > (%(after_start)s, %(after_id)s::uuid))
     ORDER BY e.starts_at, e.id
     LIMIT %(limit)s
"""

count_sectors = "SELECT count(*) AS n FROM sectors WHERE event_id = %(event_id)s"

# Sectors with live availability. Holds past their deadline count as free (lazy expiry), except where people
# wait for the sector: those places go to its waiting list (sql/waitlist/sector_places_on_sale.sql agrees).
sectors_with_availability = """
    WITH stale AS (
        SELECT l.sector_id,
               COALESCE(sum(l.quantity) FILTER (WHERE l.seat_id IS NULL), 0) AS general_places,
               COALESCE(sum(l.quantity) FILTER (WHERE l.counts_to_quota), 0) AS half_places
          FROM orders o JOIN order_tickets l ON l.order_id = o.id
         WHERE o.event_id = %(event_id)s AND o.status IN ('reserved', 'awaiting_payment')
           AND o.expires_at <= now()
           -- places of a lapsed hold go to the sector's waiting list first (issue 18)
           AND NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.sector_id = l.sector_id AND w.status = 'waiting')
         GROUP BY l.sector_id
    )
    SELECT s.id, s.name, s.kind, s.price_cents AS base_price_cents, s.capacity, s.half_quota,
           CASE WHEN s.kind = 'general'
                THEN (SELECT COALESCE(sum(b.available), 0) FROM sector_buckets b WHERE b.sector_id = s.id)
                     + COALESCE(st.general_places, 0)
                ELSE (SELECT count(*) FROM seats x LEFT JOIN orders o ON o.id = x.order_id
                       WHERE x.sector_id = s.id
                         AND (x.order_id IS NULL
                              OR (o.status IN ('reserved', 'awaiting_payment') AND o.expires_at <= now()
                                  AND NOT EXISTS (SELECT 1 FROM waitlist_entries w
                                                   WHERE w.sector_id = s.id AND w.status = 'waiting'))))
           END::int AS available,
           (s.half_quota - s.half_taken + COALESCE(st.half_places, 0))::int AS half_left,
           tier.name AS tier, tier.price_cents AS tier_price_cents,
           COALESCE((SELECT jsonb_agg(jsonb_build_object(
                         'name', t.name, 'price_cents', t.price_cents, 'quantity', t.quantity,
                         'ends_at', iso_utc(t.ends_at), 'sold_out', t.quantity IS NOT NULL AND t.taken >= t.quantity,
                         'ended', t.ends_at IS NOT NULL AND t.ends_at <= now()) ORDER BY t.position)
                       FROM price_tiers t WHERE t.sector_id = s.id), '[]'::jsonb) AS tiers
      FROM sectors s
      LEFT JOIN stale st ON st.sector_id = s.id
      LEFT JOIN LATERAL (
          SELECT t.name, t.price_cents FROM price_tiers t
           WHERE t.sector_id = s.id AND (t.ends_at IS NULL OR t.ends_at > now())
             AND (t.quantity IS NULL OR t.taken < t.quantity)
           ORDER BY t.position LIMIT 1) tier ON true
     WHERE s.event_id = %(event_id)s
     ORDER BY s.created_at, s.name
"""

insert_sector = """
    INSERT INTO sectors (event_id, name, kind, price_cents, capacity, half_quota, buckets, has_tiers)
    VALUES (%(event_id)s, %(name)s, %(kind)s, %(price_cents)s, %(capacity)s, %(half_quota)s, %(buckets)s,
            %(has_tiers)s)
    ON CONFLICT (event_id, name) DO NOTHING
    RETURNING id
"""

insert_seats_of_row = """
    INSERT INTO seats (sector_id, row_label, number, label)
    SELECT %(sector_id)s, %(row)s, n, %(row)s || '-' || n FROM generate_series(1, %(seats)s) AS n
"""

insert_buckets = """
    INSERT INTO sector_buckets (sector_id, bucket, available)
    SELECT %(sector_id)s, b, %(capacity)s / %(buckets)s + CASE WHEN b < %(capacity)s %% %(buckets)s THEN 1 ELSE 0 END
      FROM generate_series(0, %(buckets)s - 1) AS b
"""

insert_tier = """
    INSERT INTO price_tiers (sector_id, position, name, price_cents, quantity, ends_at)
    VALUES (%(sector_id)s, %(position)s, %(name)s, %(price_cents)s, %(quantity)s, %(ends_at)s)
"""

seat_map = """
    SELECT x.id, x.row_label AS row, x.number, x.label,
           CASE WHEN x.order_id IS NULL THEN 'available'
                WHEN o.status = 'paid' THEN 'sold'
                WHEN o.status IN ('reserved', 'awaiting_payment') AND o.expires_at > now() THEN 'held'
                -- a lapsed hold's seat goes to the sector's waiting list first (issue 18)
                WHEN o.status IN ('reserved', 'awaiting_payment')
                     AND EXISTS (SELECT 1 FROM waitlist_entries w
                                  WHERE w.sector_id = x.sector_id AND w.status = 'waiting') THEN 'held'
                ELSE 'available' END AS status
      FROM seats x LEFT JOIN orders o ON o.id = x.order_id
     WHERE x.sector_id = %(sector_id)s
     ORDER BY length(x.row_label), x.row_label, x.number
"""

find_sector_of_event = "SELECT id, kind FROM sectors WHERE id = %(sector_id)s AND event_id = %(event_id)s"

insert_product = """
    INSERT INTO products (organizer_id, event_id, name, description, price_cents, stock, available)
    SELECT u.id, %(event_id)s, %(name)s, %(description)s, %(price_cents)s, %(stock)s, %(stock)s
      FROM users u WHERE u.cognito_sub = %(sub)s
    RETURNING id, event_id, name, description, price_cents, stock, available
"""

# Add-ons of an event (its own and its organizer's global ones); stale holds count as free.
products_of_event = """
    SELECT p.id, p.event_id, p.name, p.description, p.price_cents, p.stock,
           CASE WHEN p.available IS NULL THEN NULL
                ELSE p.available + COALESCE((
                    SELECT sum(op.quantity) FROM order_products op JOIN orders o ON o.id = op.order_id
                     WHERE op.product_id = p.id AND o.status IN ('reserved', 'awaiting_payment')
                       AND o.expires_at <= now()), 0)::int
           END AS available
      FROM products p
     WHERE p.event_id = %(event_id)s OR (p.event_id IS NULL AND p.organizer_id = %(organizer_id)s)
     ORDER BY p.name, p.id
"""

set_event_image = f"""
    UPDATE events e SET image_url = %(image_url)s, updated_at = now()
     WHERE e.id = %(event_id)s AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
    RETURNING {EVENT_COLUMNS}
"""
