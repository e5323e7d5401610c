"""SQL of the buyer's rights over their data: the export (LGPD art. 18 II), the deletion (art. 18 IV and VI,
sql/users/delete_account.sql) and the purge of fiscal records past their retain_until
(sql/users/purge_fiscal_retention.sql)."""

# The caller's profile; the queries below take its id.
profile = """
    SELECT id, email, name, cpf, iso_utc(created_at) AS created_at
      FROM users WHERE cognito_sub = %s AND anonymised_at IS NULL
"""

orders = """
    SELECT order_document(o.id) AS doc FROM orders o
     WHERE o.user_id = %(user_id)s
     ORDER BY o.created_at, o.id
"""

# Card data is the brand and last four digits only: nothing else of a card is ever stored.
payments = """
    SELECT p.id, p.order_id, p.method, p.status, p.amount_cents, p.installments, p.installment_cents,
           p.card_brand, p.card_last4, p.pix_txid, p.boleto_line, p.due_date::text AS due_date,
           iso_utc(p.created_at) AS created_at, iso_utc(p.decided_at) AS decided_at
      FROM payments p JOIN orders o ON o.id = p.order_id
     WHERE o.user_id = %(user_id)s
     ORDER BY p.created_at, p.id
"""

transferred_away = """
    SELECT x.ticket_id AS id, x.order_id, x.event_id, e.name AS event_name, r.email AS to_email,
           iso_utc(x.transferred_at) AS transferred_at
      FROM ticket_transfers x
      JOIN events e ON e.id = x.event_id
      JOIN users r ON r.id = x.to_user_id
     WHERE x.from_user_id = %(user_id)s
     ORDER BY x.transferred_at, x.id
"""

received = """
    SELECT x.ticket_id, x.event_id, e.name AS event_name, iso_utc(x.transferred_at) AS transferred_at
      FROM ticket_transfers x JOIN events e ON e.id = x.event_id
     WHERE x.to_user_id = %(user_id)s
     ORDER BY x.transferred_at, x.id
"""

invoices = """
    SELECT i.order_id, i.series, i.number, i.access_key, iso_utc(i.issued_at) AS issued_at,
           iso_utc(i.cancelled_at) AS cancelled_at, i.cancellation_reason, i.document
      FROM invoices i JOIN orders o ON o.id = i.order_id
     WHERE o.user_id = %(user_id)s
     ORDER BY i.issued_at, i.id
"""

# Check-ins of tickets I hold now, or held when they were scanned (bought and not transferred away).
checkins = """
    SELECT t.id AS ticket_id, t.event_id, e.name AS event_name, iso_utc(t.checked_in_at) AS checked_in_at
      FROM tickets t JOIN orders o ON o.id = t.order_id JOIN events e ON e.id = t.event_id
     WHERE t.checked_in_at IS NOT NULL
       AND (t.holder_id = %(user_id)s OR (t.holder_id IS NULL AND o.user_id = %(user_id)s))
     ORDER BY t.checked_in_at, t.id
"""

# E-mails the outbox sent (or will send) to me, and the invoices e-mailed to me.
emails = """
    SELECT payload ->> 'purpose' AS purpose, payload ->> 'subject' AS subject, payload ->> 'text' AS text,
           iso_utc(created_at) AS queued_at, iso_utc(sent_at) AS sent_at
      FROM outbox
     WHERE kind = 'email' AND payload ->> 'to' = %(email)s
    UNION ALL
    SELECT 'invoice', 'Nota fiscal ' || i.number || ' e ingressos', NULL, iso_utc(i.issued_at),
           iso_utc(i.emailed_at)
      FROM invoices i JOIN orders o ON o.id = i.order_id
     WHERE o.user_id = %(user_id)s AND i.emailed_at IS NOT NULL
     ORDER BY 4, 1
"""

delete_account = "SELECT delete_account(%s) AS result"

purge_fiscal_retention = "SELECT purge_fiscal_retention(%s, %s) AS result"
