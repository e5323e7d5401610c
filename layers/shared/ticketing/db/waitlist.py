"""SQL of the waiting list of sold-out sectors (sql/waitlist/*.sql)."""

join_waitlist = "SELECT join_waitlist(%s::jsonb) AS result"

leave_waitlist = "SELECT leave_waitlist(%s, %s) AS result"

# Every entry of the caller, newest first.
entries_of_buyer = """
    SELECT waitlist_entry_document(w.id) AS doc
      FROM waitlist_entries w
     WHERE w.user_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
     ORDER BY w.joined_at DESC, w.seq DESC
"""

# Events where the caller waits or has an offer, and some hold has lapsed without being released yet (lazy
# expiry): releasing them first makes the offers they owe now, before the caller reads their entries.
events_with_lapsed_holds = """
    SELECT DISTINCT w.event_id
      FROM waitlist_entries w
     WHERE w.user_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
       AND w.status IN ('waiting', 'offered')
       AND EXISTS (SELECT 1 FROM orders o
                    WHERE o.event_id = w.event_id AND o.status IN ('reserved', 'awaiting_payment')
                      AND o.expires_at <= now())
"""

release_expired_holds_of_event = "SELECT release_expired_holds_of_event(%s) AS result"

# Offer e-mails not sent yet (few: each is sent right after the release that made it).
unsent_offer_emails = """
    SELECT DISTINCT aggregate_id FROM outbox
     WHERE sent_at IS NULL AND kind = 'email' AND payload ->> 'template' = 'waitlist-offer'
     LIMIT 100
"""

# The expiry job's sweep: sectors of events on sale where people wait while places are free (a join that
# raced a release), each offered in a transaction of its own.
sectors_waiting_beside_free_places = """
    SELECT DISTINCT w.sector_id
      FROM waitlist_entries w
      JOIN sectors s ON s.id = w.sector_id
      JOIN events e ON e.id = s.event_id AND e.status = 'on_sale' AND e.starts_at > now()
     WHERE w.status = 'waiting'
       AND CASE WHEN s.kind = 'general'
                THEN EXISTS (SELECT 1 FROM sector_buckets b WHERE b.sector_id = s.id AND b.available > 0)
                ELSE EXISTS (SELECT 1 FROM seats x WHERE x.sector_id = s.id AND x.order_id IS NULL) END
"""

offer_free_places = "SELECT offer_free_places(%s) AS offers"
