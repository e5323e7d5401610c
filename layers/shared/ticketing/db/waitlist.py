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

# Events where one of the caller's offers lapsed without being released yet (lazy expiry).
events_with_lapsed_offers = """
    SELECT DISTINCT o.event_id
      FROM waitlist_entries w JOIN orders o ON o.id = w.order_id
     WHERE w.user_id = (SELECT id FROM users WHERE cognito_sub = %(sub)s)
       AND w.status = 'offered' AND o.status IN ('reserved', 'awaiting_payment') AND o.expires_at <= now()
"""

release_expired_holds_of_event = "SELECT release_expired_holds_of_event(%s) AS result"
