"""SQL of orders. The atomic work lives in SQL functions (sql/orders/*.sql)."""

# {replayed, order}: the order held, or the one a repeated Idempotency-Key held first.
hold_order = "SELECT hold_order(%s::jsonb) AS result"

cancel_order = "SELECT cancel_order(%s, %s) AS result"

replace_order_products = "SELECT replace_order_products(%s, %s, %s::jsonb) AS result"

release_expired_holds = "SELECT release_expired_holds(%s) AS released"

# The buyer's own order, or an order of an event the caller organizes.
order_for_caller = """
    SELECT order_document(o.id) AS doc
      FROM orders o
      JOIN events e ON e.id = o.event_id
      JOIN users u ON u.cognito_sub = %(sub)s
     WHERE o.id = %(order_id)s AND (o.user_id = u.id OR e.organizer_id = u.id)
"""

orders_of_buyer = """
    SELECT o.id, o.created_at, order_document(o.id) AS doc
      FROM orders o
     WHERE o.user_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
       AND (%(after_created)s::timestamptz IS NULL
            OR (o.created_at, o.id) < (%(after_created)s::timestamptz, %(after_id)s::uuid))
     ORDER BY o.created_at DESC, o.id DESC
     LIMIT %(limit)s
"""

# The order desk: each order with its buyer, and the transfers of its tickets (who holds them now).
orders_of_event = """
    SELECT o.id, o.created_at,
           order_document(o.id) || jsonb_build_object(
               'buyer', jsonb_build_object('email', u.email, 'name', u.name),
               'transfers', COALESCE((
                   SELECT jsonb_agg(jsonb_build_object(
                              'ticket_id', x.ticket_id, 'transferred_at', iso_utc(x.transferred_at),
                              'to', jsonb_build_object('email', r.email, 'name', r.name))
                          ORDER BY x.transferred_at, x.id)
                     FROM ticket_transfers x JOIN users r ON r.id = x.to_user_id
                    WHERE x.order_id = o.id), '[]'::jsonb))
               AS doc
      FROM orders o
      JOIN users u ON u.id = o.user_id
     WHERE o.event_id = %(event_id)s
       AND (%(status)s::text IS NULL
            OR CASE WHEN o.status IN ('reserved', 'awaiting_payment') AND o.expires_at <= now()
                    THEN 'expired' ELSE o.status END = %(status)s)
       AND (%(email)s::text IS NULL OR u.email = %(email)s)
       AND (%(after_created)s::timestamptz IS NULL
            OR (o.created_at, o.id) < (%(after_created)s::timestamptz, %(after_id)s::uuid))
     ORDER BY o.created_at DESC, o.id DESC
     LIMIT %(limit)s
"""

own_event = """
    SELECT e.id FROM events e
     WHERE e.id = %(event_id)s AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
"""
