-- Money arrived that cannot buy the order: the payment is to be refunded (its reason and time recorded, shown
-- as the payment's `refund`) and the buyer is told by e-mail. PIX money goes back as a devolution (issue 20).
CREATE OR REPLACE FUNCTION mark_refund_due(p_payment uuid, p_reason text) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE payments SET status = 'refund_due', decided_at = now(), updated_at = now(),
                        refund_reason = p_reason, refund_requested_at = now()
     WHERE id = p_payment;
    PERFORM refund_payment_money(p_payment, p_reason);
    INSERT INTO outbox (kind, aggregate_id, payload)
    SELECT 'email', y.id,
           jsonb_build_object('template', 'payment-refund-due', 'to', u.email, 'name', u.name,
                              'order_id', o.id, 'payment_id', y.id, 'event_name', e.name,
                              'method', y.method, 'amount_cents', y.amount_cents, 'reason', p_reason)
      FROM payments y
      JOIN orders o ON o.id = y.order_id
      JOIN users u ON u.id = o.user_id
      JOIN events e ON e.id = o.event_id
     WHERE y.id = p_payment;
END
$$;
