-- The order as the API shows it, with its latest payment (refund_due shows there). A live order whose
-- deadline passed reads as expired (lazy expiry).
CREATE OR REPLACE FUNCTION order_document(p_order uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'id', o.id,
        'event_id', o.event_id,
        'status', CASE WHEN o.status IN ('reserved', 'awaiting_payment') AND o.expires_at <= now()
                       THEN 'expired' ELSE o.status END,
        'expires_at', iso_utc(o.expires_at),
        'created_at', iso_utc(o.created_at),
        'paid_at', iso_utc(o.paid_at),
        'ticket_count', o.ticket_count,
        'tickets', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'sector_id', l.sector_id,
                       'sector', sec.name,
                       'seat_id', l.seat_id,
                       'seat_label', st.label,
                       'quantity', l.quantity,
                       'type', l.type,
                       'half_category', l.half_category,
                       'tier', t.name,
                       'unit_price_cents', l.unit_price_cents,
                       'unit_fee_cents', l.unit_fee_cents) ORDER BY l.position)
              FROM order_tickets l
              JOIN sectors sec ON sec.id = l.sector_id
              LEFT JOIN seats st ON st.id = l.seat_id
              LEFT JOIN price_tiers t ON t.id = l.tier_id
             WHERE l.order_id = o.id), '[]'::jsonb),
        'products', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'product_id', op.product_id,
                       'name', p.name,
                       'quantity', op.quantity,
                       'unit_price_cents', op.unit_price_cents) ORDER BY p.name, op.product_id)
              FROM order_products op
              JOIN products p ON p.id = op.product_id
             WHERE op.order_id = o.id), '[]'::jsonb),
        'tickets_cents', o.tickets_cents,
        'products_cents', o.products_cents,
        'fee_cents', o.fee_cents,
        'total_cents', o.total_cents,
        'payment', (SELECT payment_document(y.id) FROM payments y
                     WHERE y.order_id = o.id ORDER BY y.created_at DESC, y.id DESC LIMIT 1))
      FROM orders o
     WHERE o.id = p_order
$$;
