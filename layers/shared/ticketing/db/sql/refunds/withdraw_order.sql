-- POST /orders/{id}/withdrawal by its buyer: within 7 days of payment and at least 48 h before the event,
-- everything is refunded, the service fee included (CDC art. 49; see docs/DECISIONS.md).
CREATE OR REPLACE FUNCTION withdraw_order(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
    v_doc jsonb;
BEGIN
    v_order := lock_buyer_order(p_order, p_user_sub);
    IF v_order.status <> 'paid' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'Only a paid order can be withdrawn from';
    END IF;
    SELECT * INTO v_event FROM events WHERE id = v_order.event_id;
    IF now() > v_order.paid_at + interval '7 days' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = 'The right of withdrawal lasts 7 days from payment; that period has passed';
    END IF;
    IF v_event.starts_at - now() < interval '48 hours' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = 'Withdrawal closes 48 hours before the event starts';
    END IF;
    -- A ticket given to someone else is theirs now: withdrawing would cancel it under them. (A transfer takes
    -- this order's row FOR SHARE, so it and a withdrawal never overlap.)
    IF EXISTS (SELECT 1 FROM tickets WHERE order_id = p_order AND holder_id IS NOT NULL) THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = 'A ticket of this order was transferred to someone else; the order can no longer be withdrawn from';
    END IF;
    v_doc := refund_order(p_order, 'withdrawal');
    PERFORM queue_order_email(
        p_order, 'withdrawal',
        format('Seu pedido para %s foi cancelado', v_event.name),
        'Olá, {name}.' || E'\n\n' || format(
            'Seu pedido %s para %s foi cancelado a seu pedido (direito de arrependimento). '
            'Devolvemos %s, taxa de conveniência incluída, pelo mesmo meio de pagamento.',
            p_order, v_event.name, brl(v_order.total_cents)));
    RETURN v_doc;
END
$$;
