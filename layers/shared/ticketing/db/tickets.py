"""SQL of e-tickets, check-in and refunds (sql/tickets/*.sql, sql/refunds/*.sql)."""

# Everything a ticket's PDF shows (a transferred ticket names its holder and has its own PDF), for every
# ticket of an order, or for one ticket.
_TICKET_FOR_DOCUMENT = """
    SELECT t.id, t.code, t.order_id, t.event_id, sec.name AS sector, st.label AS seat_label, l.type,
           COALESCE(t.holder_half_category, l.half_category) AS half_category, e.name AS event_name, e.venue,
           e.starts_at, e.timezone, COALESCE(h.name, u.name) AS buyer_name, t.last_transfer_id AS transfer_id
      FROM tickets t
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
      JOIN orders o ON o.id = t.order_id
      JOIN users u ON u.id = o.user_id
      LEFT JOIN users h ON h.id = t.holder_id
      JOIN events e ON e.id = t.event_id
"""
tickets_for_documents = _TICKET_FOR_DOCUMENT + " WHERE t.order_id = %s ORDER BY l.position, t.place"
ticket_for_document = _TICKET_FOR_DOCUMENT + " WHERE t.id = %s"

# The buyer's own paid or refunded order (nothing for anyone else), with whether its PDFs are written.
order_of_owner = """
    SELECT o.id, o.status, i.tickets_written_at
      FROM orders o
      LEFT JOIN invoices i ON i.order_id = o.id
     WHERE o.id = %(order_id)s AND o.status IN ('paid', 'refunded')
       AND o.user_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
"""

# A ticket transferred away keeps its line in its order (the buyer still sees it) but not its code.
tickets_of_order = """
    SELECT t.id, CASE WHEN t.holder_id IS NULL THEN t.code END AS code, sec.name AS sector,
           st.label AS seat_label, l.type, COALESCE(t.holder_half_category, l.half_category) AS half_category,
           iso_utc(t.checked_in_at) AS checked_in_at, t.cancelled_at IS NOT NULL AS cancelled,
           t.holder_id IS NOT NULL AS transferred
      FROM tickets t
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
     WHERE t.order_id = %s
     ORDER BY l.position, t.place
"""

check_in_ticket = "SELECT check_in_ticket(%s, %s, %s) AS result"

# GET /tickets: every ticket the caller holds now: bought and not transferred away, or received. Tickets
# exist once the order is paid and invoiced; a refunded order's tickets stay listed as refunded.
tickets_of_holder = """
    WITH me AS (SELECT id FROM users WHERE cognito_sub = %(sub)s AND anonymised_at IS NULL),
    held AS (
        SELECT t.* FROM tickets t JOIN orders o ON o.id = t.order_id
         WHERE o.user_id = (SELECT id FROM me) AND t.holder_id IS NULL
        UNION ALL
        SELECT t.* FROM tickets t WHERE t.holder_id = (SELECT id FROM me)
    )
    SELECT t.id, t.code, t.order_id, t.last_transfer_id AS transfer_id, t.holder_id IS NOT NULL AS received,
           sec.name AS sector, st.label AS seat_label, l.type,
           COALESCE(t.holder_half_category, l.half_category) AS half_category,
           iso_utc(t.checked_in_at) AS checked_in_at,
           CASE WHEN t.cancelled_at IS NOT NULL OR o.status <> 'paid' THEN 'refunded'
                WHEN t.checked_in_at IS NOT NULL THEN 'checked_in' ELSE 'valid' END AS status,
           e.id AS event_id, e.name AS event_name, e.venue, iso_utc(e.starts_at) AS starts_at,
           e.timezone, e.status AS event_status,
           t.holder_id IS NOT NULL OR i.tickets_written_at IS NOT NULL AS pdf_written
      FROM held t
      JOIN orders o ON o.id = t.order_id
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
      JOIN events e ON e.id = t.event_id
      LEFT JOIN invoices i ON i.order_id = t.order_id
     ORDER BY e.starts_at, e.id, o.created_at, t.order_id, l.position, t.place
"""

transfer_ticket = "SELECT transfer_ticket(%s, %s, %s, %s, %s) AS result"

refund_order_by_organizer = "SELECT refund_order_by_organizer(%s, %s) AS result"
