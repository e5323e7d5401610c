"""SQL of payments and the outbox. The decisions live in SQL functions (sql/payments/*.sql)."""

# {replayed, payment, outbox}: the payment made, or the one a repeated Idempotency-Key made first.
start_payment = "SELECT start_payment(%s::jsonb) AS result"

settle_payment = "SELECT settle_payment(%s, %s) AS result"

# What Python needs to compute a payment's artifacts: the buyer's own order and its event.
order_to_pay = """
    SELECT o.id, o.status, o.total_cents, o.expires_at,
           e.name AS event_name, e.starts_at, e.timezone, e.max_installments,
           COALESCE(o.buyer_cpf, u.cpf) AS buyer_cpf, u.name AS buyer_name
      FROM orders o
      JOIN events e ON e.id = o.event_id
      JOIN users u ON u.id = o.user_id
     WHERE o.id = %(order_id)s AND u.cognito_sub = %(sub)s
"""

# A batch of unsent messages (only those of the given aggregates when ids are given), fewest attempts
# first so a message that keeps failing never starves new ones. Rows another publisher holds are skipped.
take_unsent_messages = """
    SELECT id, kind, aggregate_id, payload, attempts
      FROM outbox
     WHERE sent_at IS NULL
       AND (%(aggregate_ids)s::uuid[] IS NULL OR aggregate_id = ANY (%(aggregate_ids)s::uuid[]))
     ORDER BY attempts, id
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
"""

mark_message_sent = (
    "UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = %s"
)

mark_message_failed = "UPDATE outbox SET attempts = attempts + 1, last_error = %s WHERE id = %s"

# A batch of PIX from the provider's webhook, applied in one transaction (sql/payments/receive_pix.sql).
receive_pix = "SELECT receive_pix(%s::jsonb) AS result"

# What the provider said of a devolution: the status reached now, or NULL.
apply_pix_devolution_status = "SELECT apply_pix_devolution_status(%s, %s, %s) AS result"

# A devolution request the provider refused or could not take now: kept for the next run.
mark_devolution_attempt = (
    "UPDATE pix_devolutions SET attempts = attempts + 1, last_error = %s WHERE id = %s RETURNING id"
)

# Devolutions the provider took but never notified as final after a while: read them again.
stale_devolutions = """
    SELECT id, e2eid FROM pix_devolutions
     WHERE status = 'EM_PROCESSAMENTO' AND accepted_at IS NOT NULL AND accepted_at < now() - %(age)s * interval '1 second'
     ORDER BY accepted_at
     LIMIT %(limit)s
"""

# A boleto híbrido the slip paid (approved without a PIX): its PIX charge is to be withdrawn.
boleto_paid_by_slip = """
    SELECT pix_txid FROM payments
     WHERE id = %s AND method = 'boleto' AND status = 'approved' AND pix_txid IS NOT NULL AND pix_e2eid IS NULL
"""
