-- A payment's money is to go back (a refund or refund_due): PIX money (the payment knows the PIX that paid
-- it) becomes a devolution whose id is 'D' + the payment's id; other money needs nothing at the provider.
-- Returns true when a devolution was started (the payment then stays refund_due until DEVOLVIDO).
CREATE OR REPLACE FUNCTION refund_payment_money(p_payment uuid, p_reason text) RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_payment payments%ROWTYPE;
BEGIN
    SELECT * INTO v_payment FROM payments WHERE id = p_payment;
    IF v_payment.pix_e2eid IS NULL THEN
        RETURN false;
    END IF;
    PERFORM request_pix_devolution('D' || replace(p_payment::text, '-', ''), v_payment.pix_e2eid,
                                   v_payment.amount_cents, p_reason, p_payment, v_payment.order_id);
    RETURN true;
END
$$;
