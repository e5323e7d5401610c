-- An e-mail to the buyer of an order, sent by the outbox publisher; `{name}` in the text becomes the buyer's name.
CREATE OR REPLACE FUNCTION queue_order_email(p_order uuid, p_purpose text, p_subject text, p_text text) RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO outbox (kind, aggregate_id, payload)
    SELECT 'email', o.id,
           jsonb_build_object('purpose', p_purpose, 'to', u.email, 'subject', p_subject,
                              'text', replace(p_text, '{name}', COALESCE(u.name, 'cliente')))
      FROM orders o JOIN users u ON u.id = o.user_id
     WHERE o.id = p_order
$$;
