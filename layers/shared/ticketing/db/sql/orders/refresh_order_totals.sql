-- An order's counts and totals, recomputed from its lines after its add-ons changed.
CREATE OR REPLACE FUNCTION refresh_order_totals(p_order uuid) RETURNS void
    LANGUAGE sql
AS $$
    UPDATE orders o
       SET ticket_count = t.tickets,
           tickets_cents = t.tickets_cents,
           fee_cents = t.fee_cents,
           products_cents = p.products_cents,
           total_cents = t.tickets_cents + t.fee_cents + p.products_cents,
           updated_at = now()
      FROM (SELECT COALESCE(sum(quantity), 0)::int AS tickets,
                   COALESCE(sum(quantity::bigint * unit_price_cents), 0)::bigint AS tickets_cents,
                   COALESCE(sum(quantity::bigint * unit_fee_cents), 0)::bigint AS fee_cents
              FROM order_tickets WHERE order_id = p_order) t,
           (SELECT COALESCE(sum(quantity::bigint * unit_price_cents), 0)::bigint AS products_cents
              FROM order_products WHERE order_id = p_order) p
     WHERE o.id = p_order
$$;
