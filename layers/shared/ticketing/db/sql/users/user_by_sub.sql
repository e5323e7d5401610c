-- The account signed in with this Cognito sub; raises `p_problem` (with `p_detail`) when it has none.
CREATE OR REPLACE FUNCTION user_by_sub(p_sub text, p_problem text, p_detail text) RETURNS users
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_user users%ROWTYPE;
BEGIN
    SELECT * INTO v_user FROM users WHERE cognito_sub = p_sub;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING MESSAGE = p_problem, DETAIL = p_detail;
    END IF;
    RETURN v_user;
END
$$;
