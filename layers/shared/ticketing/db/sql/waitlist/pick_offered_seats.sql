-- The free seats of a seated sector to offer to a waiting entry of p_quantity places: the first run of
-- adjacent seats (same row, consecutive numbers) long enough, else the first free seats in seat order; NULL
-- when fewer are free. Seats are locked SKIP LOCKED: one another transaction is taking is not offered.
CREATE OR REPLACE FUNCTION pick_offered_seats(p_sector uuid, p_quantity int) RETURNS uuid[]
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ids uuid[];
    v_rows text[];
    v_numbers int[];
    v_pick uuid[];
BEGIN
    SELECT array_agg(id ORDER BY length(row_label), row_label, number),
           array_agg(row_label ORDER BY length(row_label), row_label, number),
           array_agg(number ORDER BY length(row_label), row_label, number)
      INTO v_ids, v_rows, v_numbers
      FROM (SELECT id, row_label, number FROM seats
             WHERE sector_id = p_sector AND order_id IS NULL
               FOR UPDATE SKIP LOCKED) free;
    IF COALESCE(cardinality(v_ids), 0) < p_quantity THEN
        RETURN NULL;
    END IF;
    -- Runs of adjacent seats: within a row, number minus its rank is constant along a run.
    WITH f AS (
        SELECT u.id, u.ord, u.row_label,
               u.number - row_number() OVER (PARTITION BY u.row_label ORDER BY u.number) AS run
          FROM unnest(v_ids, v_rows, v_numbers) WITH ORDINALITY AS u (id, row_label, number, ord)),
    first_run AS (
        SELECT row_label, run FROM f GROUP BY row_label, run
        HAVING count(*) >= p_quantity
         ORDER BY min(ord) LIMIT 1)
    SELECT array_agg(x.id ORDER BY x.ord) INTO v_pick
      FROM (SELECT f.id, f.ord FROM f JOIN first_run r USING (row_label, run) ORDER BY f.ord LIMIT p_quantity) x;
    IF v_pick IS NOT NULL AND cardinality(v_pick) = p_quantity THEN
        RETURN v_pick;
    END IF;
    RETURN v_ids[1:p_quantity];
END
$$;
