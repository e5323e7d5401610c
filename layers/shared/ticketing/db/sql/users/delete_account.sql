-- DELETE /users/me (LGPD art. 18 IV and VI), in one transaction: 409 invalid-state while the caller holds
-- tickets for an event still to come (bought and not transferred away, or received, including a paid
-- order whose tickets are not issued yet); otherwise
-- - live holds are released (their places go back on sale, a pending payment expires with them);
-- - what fiscal law makes us keep (the buyer named on each paid order's invoice, CTN arts. 173 and 195) is
--   copied apart into fiscal_retention with retain_until = 1 January of the sixth year after the sale
--   (five years from the first day of the next fiscal year), and leaves the order;
-- - the profile is anonymised: its id stays (the stable pseudonymous id its orders, payments and transfers
--   keep pointing to), name, e-mail and CPF are replaced or emptied, the identity-provider link is cut;
-- - the e-mails queued or sent to the caller lose their address and text; the CPF's per-event counters and
--   the caller's idempotency records (copies of their answers) are deleted.
-- Returns the former e-mail (the identity provider's user name) and the S3 keys of the ticket PDFs that
-- printed the caller's name, for the caller to delete after the commit.
CREATE OR REPLACE FUNCTION delete_account(p_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_user users%ROWTYPE;
    v_live uuid[];
    v_pdf_keys jsonb;
BEGIN
    -- NO KEY UPDATE: a transfer to this account (which takes the profile FOR SHARE) waits or goes first; one
    -- from it (whose history row only takes KEY SHARE) is not held up, so neither can deadlock with this.
    SELECT * INTO v_user FROM users WHERE cognito_sub = p_sub AND anonymised_at IS NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'This account has no profile';
    END IF;
    IF EXISTS (SELECT 1 FROM orders o JOIN events e ON e.id = o.event_id
                WHERE o.user_id = v_user.id AND o.status = 'paid'
                  AND e.status <> 'cancelled' AND e.starts_at > now()
                  AND o.ticket_count > (SELECT count(*) FROM tickets t
                                         WHERE t.order_id = o.id AND (t.holder_id IS NOT NULL OR t.cancelled_at IS NOT NULL)))
       OR EXISTS (SELECT 1 FROM tickets t JOIN orders o ON o.id = t.order_id JOIN events e ON e.id = t.event_id
                   WHERE t.holder_id = v_user.id AND t.cancelled_at IS NULL AND o.status = 'paid'
                     AND e.status <> 'cancelled' AND e.starts_at > now()) THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL =
            'You hold tickets for events still to come: transfer them or wait until the events are over';
    END IF;

    SELECT array_agg(id ORDER BY id) INTO v_live FROM (
        SELECT id FROM orders WHERE user_id = v_user.id AND status IN ('reserved', 'awaiting_payment')
         ORDER BY id FOR UPDATE) live;
    -- Off every waiting list (issue 18), before the holds go: an offer let go passes to the next entry.
    UPDATE waitlist_entries SET status = 'cancelled', updated_at = now()
     WHERE user_id = v_user.id AND status IN ('waiting', 'offered');
    IF v_live IS NOT NULL THEN
        PERFORM release_orders(v_live, 'cancelled');
    END IF;

    INSERT INTO fiscal_retention (order_id, user_id, buyer_name, buyer_cpf, retain_until)
    SELECT o.id, v_user.id, v_user.name, COALESCE(o.buyer_cpf, v_user.cpf),
           make_date(extract(year FROM greatest(o.paid_at, i.issued_at) AT TIME ZONE 'America/Sao_Paulo')::int + 6, 1, 1)
      FROM orders o LEFT JOIN invoices i ON i.order_id = o.id
     WHERE o.user_id = v_user.id AND o.paid_at IS NOT NULL
    ON CONFLICT (order_id) DO NOTHING;
    UPDATE orders SET buyer_cpf = NULL WHERE user_id = v_user.id AND buyer_cpf IS NOT NULL;
    UPDATE tickets SET counted_cpf = NULL WHERE holder_id = v_user.id AND counted_cpf IS NOT NULL;
    IF v_user.cpf IS NOT NULL THEN
        DELETE FROM cpf_ticket_counts WHERE cpf = v_user.cpf;
    END IF;
    DELETE FROM idempotency_keys WHERE user_id = v_user.id;
    UPDATE outbox
       SET payload = jsonb_build_object('purpose', payload -> 'purpose', 'to', NULL, 'redacted', true),
           sent_at = COALESCE(sent_at, now()),
           last_error = CASE WHEN sent_at IS NULL THEN 'not sent: the account was deleted' ELSE last_error END
     WHERE kind = 'email' AND payload ->> 'to' = v_user.email;

    SELECT COALESCE(jsonb_agg(k), '[]'::jsonb) INTO v_pdf_keys FROM (
        SELECT format('tickets/%s/%s.pdf', t.order_id, t.id) AS k
          FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.user_id = v_user.id
        UNION ALL
        SELECT format('tickets/%s/%s/%s.pdf', x.order_id, x.ticket_id, x.id)
          FROM ticket_transfers x WHERE x.to_user_id = v_user.id) keys;

    UPDATE users
       SET name = 'Titular anonimizado',
           email = format('anonimizado-%s@anonimizado.invalid', id),
           cpf = NULL,
           cognito_sub = NULL,
           anonymised_at = now()
     WHERE id = v_user.id;
    RETURN jsonb_build_object('user_id', v_user.id, 'former_email', v_user.email, 'pdf_keys', v_pdf_keys);
END
$$;
