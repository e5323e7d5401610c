-- What the provider says of a devolution (its webhook, its answer to a request, or a read): a final status is
-- recorded once; DEVOLVIDO makes the refunded payment `refunded`. Returns the status it reached now, or NULL
-- when nothing changed (unknown id, not final, or already final).
CREATE OR REPLACE FUNCTION apply_pix_devolution_status(p_id text, p_status text, p_rtr_id text) RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    v_payment uuid;
BEGIN
    UPDATE pix_devolutions
       SET accepted_at = COALESCE(accepted_at, now()), rtr_id = COALESCE(p_rtr_id, rtr_id), last_error = NULL
     WHERE id = p_id AND status = 'EM_PROCESSAMENTO';
    IF p_status NOT IN ('DEVOLVIDO', 'NAO_REALIZADO') THEN
        RETURN NULL;
    END IF;
    UPDATE pix_devolutions SET status = p_status, finished_at = now()
     WHERE id = p_id AND status = 'EM_PROCESSAMENTO'
    RETURNING payment_id INTO v_payment;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p_status = 'DEVOLVIDO' AND v_payment IS NOT NULL THEN
        UPDATE payments SET status = 'refunded', refunded_at = now(), updated_at = now()
         WHERE id = v_payment AND status = 'refund_due';
    END IF;
    RETURN p_status;
END
$$;
