-- The payment as the API shows it. A pending payment whose deadline passed reads as expired; `refund` appears
-- once a refund of it starts (refund_due: pending; refunded: done; for PIX money, the devolution's id and
-- status).
CREATE OR REPLACE FUNCTION payment_document(p_payment uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
               'id', y.id,
               'order_id', y.order_id,
               'method', y.method,
               'status', CASE WHEN y.status = 'pending' AND y.expires_at <= now() THEN 'expired' ELSE y.status END,
               'amount_cents', y.amount_cents,
               'expires_at', iso_utc(y.expires_at),
               'installments', y.installments,
               'installment_cents', y.installment_cents,
               'created_at', iso_utc(y.created_at),
               'decided_at', iso_utc(y.decided_at))
           || jsonb_strip_nulls(jsonb_build_object(
               'card_brand', y.card_brand,
               'card_last4', y.card_last4,
               'pix_copy_paste', y.pix_copy_paste,
               'pix_txid', y.pix_txid,
               'pix_location', y.pix_location,
               'paid_with', y.paid_with,
               'boleto_line', y.boleto_line,
               'boleto_barcode', y.boleto_barcode,
               'due_date', to_char(y.due_date, 'YYYY-MM-DD')))
           || CASE WHEN y.refund_requested_at IS NULL THEN '{}'::jsonb
                   -- PIX money goes back as a devolution: its id and API Pix status (issue 20)
                   WHEN d.id IS NOT NULL THEN jsonb_build_object('refund', jsonb_build_object(
                       'id', d.id,
                       'status', d.status,
                       'amount_cents', d.valor_cents,
                       'reason', y.refund_reason,
                       'requested_at', iso_utc(y.refund_requested_at),
                       'refunded_at', iso_utc(y.refunded_at)))
                   ELSE jsonb_build_object('refund', jsonb_build_object(
                       'status', CASE WHEN y.status = 'refunded' THEN 'refunded' ELSE 'pending' END,
                       'amount_cents', y.amount_cents,
                       'reason', y.refund_reason,
                       'requested_at', iso_utc(y.refund_requested_at),
                       'refunded_at', iso_utc(y.refunded_at))) END
      FROM payments y
      LEFT JOIN pix_devolutions d ON d.payment_id = y.id
     WHERE y.id = p_payment
$$;
