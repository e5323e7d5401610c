-- An amount in cents as a Brazilian reads it in an e-mail: R$ 1.234,56.
CREATE OR REPLACE FUNCTION brl(p_cents bigint) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN 'R$ ' || replace(to_char(p_cents / 100, 'FM999G999G990'), ',', '.') || ','
           || lpad((p_cents % 100)::text, 2, '0');
