-- POST /payments/pix/webhook/pix (issue 20): a batch of PIX as the provider notifies them ({"pix": [...]}),
-- applied in one transaction before the webhook answers. Each endToEndId counts once (pix_received's key).
-- A PIX for a known charge of the right amount settles its payment by settle_payment's rules (the same as
-- POST /payments/webhook: late approvals, refund_due...); a PIX of another amount never approves: it alone
-- is devolved and the charge stays payable; a second PIX for an already paid charge (or one whose refund is
-- already recorded as done, or a boleto híbrido the slip paid) is devolved too; an unknown txid is recorded. Devolution statuses the notice carries are applied as well.
-- p: the notice's "pix" array, each item {endToEndId, txid?, valor, horario, devolucoes?}.
-- Returns {results: [{endToEndId, outcome}], aggregates: [payment ids whose outbox messages to publish],
--          devolutions: [{id, status}] that reached a final status now}.
CREATE OR REPLACE FUNCTION receive_pix(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_item jsonb;
    v_devolution jsonb;
    v_e2eid text;
    v_valor bigint;
    v_payment payments%ROWTYPE;
    v_outcome text;
    v_final text;
    v_results jsonb := '[]'::jsonb;
    v_aggregates jsonb := '[]'::jsonb;
    v_devolutions jsonb := '[]'::jsonb;
BEGIN
    -- One order of locks for every batch (by txid, then endToEndId), so concurrent batches cannot deadlock.
    FOR v_item IN
        SELECT value FROM jsonb_array_elements(p)
         ORDER BY value ->> 'txid' NULLS LAST, value ->> 'endToEndId'
    LOOP
        v_e2eid := v_item ->> 'endToEndId';
        FOR v_devolution IN SELECT value FROM jsonb_array_elements(COALESCE(v_item -> 'devolucoes', '[]'::jsonb))
        LOOP
            v_final := apply_pix_devolution_status(v_devolution ->> 'id', v_devolution ->> 'status',
                                                   v_devolution ->> 'rtrId');
            IF v_final IS NOT NULL THEN
                v_devolutions := v_devolutions || jsonb_build_object('id', v_devolution ->> 'id', 'status', v_final);
            END IF;
        END LOOP;

        v_valor := (split_part(v_item ->> 'valor', '.', 1))::bigint * 100
                   + (split_part(v_item ->> 'valor', '.', 2))::bigint;
        INSERT INTO pix_received (e2eid, txid, valor_cents, paid_at, outcome, document)
        VALUES (v_e2eid, v_item ->> 'txid', v_valor, (v_item ->> 'horario')::timestamptz, 'unknown-txid',
                v_item - 'devolucoes')
        ON CONFLICT (e2eid) DO NOTHING;
        IF NOT FOUND THEN
            v_results := v_results || jsonb_build_object('endToEndId', v_e2eid, 'outcome', 'duplicate');
            CONTINUE;
        END IF;

        SELECT * INTO v_payment FROM payments WHERE pix_txid = v_item ->> 'txid';
        IF NOT FOUND THEN
            v_results := v_results || jsonb_build_object('endToEndId', v_e2eid, 'outcome', 'unknown-txid');
            CONTINUE;
        END IF;
        -- The order first, then the payment: the order every path that touches both takes.
        PERFORM 1 FROM orders WHERE id = v_payment.order_id FOR UPDATE;
        SELECT * INTO v_payment FROM payments WHERE id = v_payment.id FOR UPDATE;

        IF v_valor <> v_payment.amount_cents THEN
            v_outcome := 'amount-mismatch';
        ELSIF v_payment.pix_e2eid IS NOT NULL OR v_payment.status = 'refunded'
              OR (v_payment.method = 'boleto' AND v_payment.status IN ('approved', 'refund_due')) THEN
            v_outcome := 'extra';  -- the charge was already paid: this money goes back on its own
        ELSE
            v_outcome := 'applied';
        END IF;
        UPDATE pix_received SET payment_id = v_payment.id, outcome = v_outcome WHERE e2eid = v_e2eid;
        IF v_outcome = 'applied' THEN
            UPDATE payments SET pix_e2eid = v_e2eid,
                                paid_with = CASE WHEN method = 'boleto' THEN 'pix' END,
                                updated_at = now()
             WHERE id = v_payment.id;
            IF v_payment.status = 'refund_due' THEN
                -- Money already due back (a v1 notice decided it before this PIX was known): give this PIX back.
                PERFORM refund_payment_money(v_payment.id, COALESCE(v_payment.refund_reason, 'refund-due'));
            ELSE
                PERFORM settle_payment(v_payment.id, 'approved');
            END IF;
        ELSE
            PERFORM request_pix_devolution('M' || v_e2eid, v_e2eid, v_valor,
                                           CASE WHEN v_outcome = 'extra' THEN 'already-paid' ELSE v_outcome END,
                                           NULL, v_payment.order_id);
        END IF;
        v_aggregates := v_aggregates || to_jsonb(v_payment.id) || to_jsonb(v_payment.order_id);
        v_results := v_results || jsonb_build_object('endToEndId', v_e2eid, 'outcome', v_outcome,
                                                     'payment_id', v_payment.id);
    END LOOP;
    RETURN jsonb_build_object('results', v_results, 'aggregates', v_aggregates, 'devolutions', v_devolutions);
END
$$;
