"""SQL of e-tickets, check-in and refunds (sql/tickets/*.sql, sql/refunds/*.sql)."""

# Everything a ticket's PDF shows, for every ticket of an order.
tickets_for_documents = """
    SELECT t.id, t.code, t.order_id, t.event_id, sec.name AS sector, st.label AS seat_label, l.type,
           l.half_category, e.name AS event_name, e.venue, e.starts_at, e.timezone, u.name AS buyer_name
      FROM tickets t
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
      JOIN orders o ON o.id = t.order_id
      JOIN users u ON u.id = o.user_id
      JOIN events e ON e.id = t.event_id
     WHERE t.order_id = %s
     ORDER BY l.position, t.place
"""

# The buyer's own paid or refunded order (nothing for anyone else), with whether its PDFs are written.
order_of_owner = """
    SELECT o.id, o.status, i.tickets_written_at
      FROM orders o
      LEFT JOIN invoices i ON i.order_id = o.id
     WHERE o.id = %(order_id)s AND o.status IN ('paid', 'refunded')
       AND o.user_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
"""

tickets_of_order = """
    SELECT t.id, t.code, sec.name AS sector, st.label AS seat_label, l.type, l.half_category,
           iso_utc(t.checked_in_at) AS checked_in_at, t.cancelled_at IS NOT NULL AS cancelled
      FROM tickets t
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
     WHERE t.order_id = %s
     ORDER BY l.position, t.place
"""

check_in_ticket = "SELECT check_in_ticket(%s, %s, %s) AS result"

refund_order_by_organizer = "SELECT refund_order_by_organizer(%s, %s) AS result"
