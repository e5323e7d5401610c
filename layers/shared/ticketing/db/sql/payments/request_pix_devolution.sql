-- Give PIX money back (issue 20): a devolution at the provider, recorded here and requested through the
-- outbox after the commit (the scheduled publisher retries while the provider is unreachable). Its id comes
-- from what it refunds, so asking twice names the same devolution: at most one per id, here and at the
-- provider. p_payment is the payment whose refund this is (NULL for a PIX that paid nothing); p_aggregate
-- the order the outbox message belongs to.
CREATE OR REPLACE FUNCTION request_pix_devolution(
    p_id text, p_e2eid text, p_valor_cents bigint, p_reason text, p_payment uuid, p_aggregate uuid
) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO pix_devolutions (id, e2eid, payment_id, valor_cents, reason)
    VALUES (p_id, p_e2eid, p_payment, p_valor_cents, p_reason)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO outbox (kind, aggregate_id, payload)
    VALUES ('pix-devolution', p_aggregate,
            jsonb_build_object('devolution_id', p_id, 'e2eid', p_e2eid, 'valor_cents', p_valor_cents,
                               'reason', p_reason))
    ON CONFLICT ((payload ->> 'devolution_id')) WHERE kind = 'pix-devolution' DO NOTHING;
END
$$;
