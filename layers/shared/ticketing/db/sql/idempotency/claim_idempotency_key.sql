-- Replay or claim an Idempotency-Key. Returns the remembered result (an order, a payment), or NULL when the
-- work must run. The advisory lock is held until the caller's transaction ends, so a second request with
-- the same key arriving meanwhile is told the first is still running.
CREATE OR REPLACE FUNCTION claim_idempotency_key(p_user uuid, p_idem jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_prev idempotency_keys%ROWTYPE;
BEGIN
    IF p_idem IS NULL OR jsonb_typeof(p_idem) <> 'object' THEN
        RETURN NULL;
    END IF;
    IF NOT pg_try_advisory_xact_lock(
            hashtextextended(p_user::text || '/' || (p_idem ->> 'scope') || '/' || (p_idem ->> 'key'), 0)) THEN
        RAISE EXCEPTION 'idempotency-in-progress'
            USING DETAIL = 'A request with this Idempotency-Key is still running; retry shortly';
    END IF;
    SELECT * INTO v_prev FROM idempotency_keys
     WHERE user_id = p_user AND scope = p_idem ->> 'scope' AND key = p_idem ->> 'key'
       AND created_at > now() - interval '24 hours';
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_prev.request_hash <> p_idem ->> 'hash' THEN
        RAISE EXCEPTION 'idempotency-conflict'
            USING DETAIL = 'This Idempotency-Key was used with a different request';
    END IF;
    RETURN v_prev.response;
END
$$;
