-- A time as the API writes it: UTC, to the second, with a Z.
CREATE OR REPLACE FUNCTION iso_utc(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
