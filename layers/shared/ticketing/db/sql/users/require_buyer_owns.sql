-- A row the signed-in buyer asked for by id must be theirs: raises not-found (with `p_detail`) when its owner
-- (`p_owner`, NULL when no such row) is not the account of this Cognito sub, so others' ids read as unknown.
CREATE OR REPLACE FUNCTION require_buyer_owns(p_owner uuid, p_user_sub text, p_detail text) RETURNS void
    LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_owner IS NULL OR NOT EXISTS (SELECT 1 FROM users WHERE id = p_owner AND cognito_sub = p_user_sub) THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = p_detail;
    END IF;
END
$$;
