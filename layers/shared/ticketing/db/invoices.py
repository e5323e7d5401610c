"""SQL of invoices. The decisions live in SQL functions (sql/invoices/*.sql, sql/tickets/*.sql); the invoice
itself is issued by a short transaction in services/invoices.py (lock order, take number, insert)."""

# What an invoice is made of: the order as the API shows it, its buyer and its event.
invoice_source = """
    SELECT o.id AS order_id, o.status, o.event_id, o.ticket_count, o.paid_at, order_document(o.id) AS doc,
           COALESCE(r.buyer_name, u.name) AS buyer_name, u.email AS buyer_email,
           COALESCE(o.buyer_cpf, r.buyer_cpf, u.cpf) AS buyer_cpf,
           e.name AS event_name, e.venue, e.starts_at, e.timezone
      FROM orders o
      JOIN users u ON u.id = o.user_id
      JOIN events e ON e.id = o.event_id
      -- a deleted account's buyer, kept apart for the invoice (fiscal_retention)
      LEFT JOIN fiscal_retention r ON r.order_id = o.id
     WHERE o.id = %(order_id)s
"""

lock_order_for_invoice = "SELECT lock_order_for_invoice(%s) AS result"

# Gapless: the row stays locked until the invoice's transaction ends; a rollback gives the number back.
take_invoice_number = """
    UPDATE invoice_series SET next_number = next_number + 1
     WHERE series = %s
    RETURNING next_number - 1 AS number
"""

insert_invoice = """
    INSERT INTO invoices (order_id, event_id, series, number, access_key, issued_at, document_key, document,
                          cancelled_at, cancellation_reason)
    SELECT o.id, o.event_id, %(series)s, %(number)s, %(access_key)s, %(issued_at)s, %(document_key)s,
           %(document)s::jsonb,
           CASE WHEN o.status = 'refunded' THEN o.released_at END,
           CASE WHEN o.status = 'refunded' THEN 'refunded-before-invoice' END
      FROM orders o
     WHERE o.id = %(order_id)s
"""

create_order_tickets = "SELECT create_order_tickets(%s, %s::text[]) AS created"

invoice_of_order = """
    SELECT i.*, u.email AS buyer_email, u.name AS buyer_name, u.anonymised_at IS NOT NULL AS buyer_anonymised,
           e.name AS event_name
      FROM invoices i
      JOIN orders o ON o.id = i.order_id
      JOIN users u ON u.id = o.user_id
      JOIN events e ON e.id = i.event_id
     WHERE i.order_id = %s
"""

# The invoice as its buyer or the event's organizer may read it (nothing for anyone else).
invoice_for_caller = """
    SELECT i.number, i.series, i.access_key, i.issued_at, i.document_key, i.written_at, i.cancelled_at,
           i.cancellation_written_at, i.order_id, i.event_id
      FROM invoices i
      JOIN orders o ON o.id = i.order_id
      JOIN events e ON e.id = o.event_id
      JOIN users u ON u.cognito_sub = %(sub)s
     WHERE i.order_id = %(order_id)s AND (o.user_id = u.id OR e.organizer_id = u.id)
"""

mark_invoice_written = "UPDATE invoices SET written_at = now() WHERE id = %s AND written_at IS NULL"

mark_tickets_written = (
    "UPDATE invoices SET tickets_written_at = now() WHERE id = %s AND tickets_written_at IS NULL"
)

mark_cancellation_written = (
    "UPDATE invoices SET cancellation_written_at = now() WHERE id = %s AND cancellation_written_at IS NULL"
)

# One sender at a time: a claim older than two minutes belongs to a worker that died.
claim_email = """
    UPDATE invoices SET email_claimed_at = now()
     WHERE id = %s AND emailed_at IS NULL
       AND (email_claimed_at IS NULL OR email_claimed_at < now() - interval '2 minutes')
    RETURNING id
"""

mark_emailed = "UPDATE invoices SET emailed_at = now() WHERE id = %s"

release_email_claim = "UPDATE invoices SET email_claimed_at = NULL WHERE id = %s AND emailed_at IS NULL"

# For the repair sweep: invoices older than a minute with an after-commit step still to do.
unfinished_invoices = """
    SELECT order_id FROM invoices
     WHERE (written_at IS NULL OR tickets_written_at IS NULL OR (emailed_at IS NULL AND cancelled_at IS NULL)
            OR (cancelled_at IS NOT NULL AND cancellation_written_at IS NULL))
       AND issued_at < now() - make_interval(secs => %(min_age_seconds)s)
     ORDER BY issued_at
     LIMIT %(limit)s
"""
