-- Remember the result of the work an Idempotency-Key asked for, in the work's own transaction.
CREATE OR REPLACE FUNCTION remember_idempotency_key(p_user uuid, p_idem jsonb, p_result jsonb) RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO idempotency_keys (user_id, scope, key, request_hash, response)
    SELECT p_user, p_idem ->> 'scope', p_idem ->> 'key', p_idem ->> 'hash', p_result
     WHERE p_idem IS NOT NULL AND jsonb_typeof(p_idem) = 'object'
    ON CONFLICT (user_id, scope, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, created_at = now()
$$;
