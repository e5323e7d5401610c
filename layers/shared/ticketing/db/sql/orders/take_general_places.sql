-- Take p_quantity general-admission places of a sector spread over p_buckets rows, or raise sold-out.
--
-- Lock order: bucket rows are ordered by (sector, bucket). hold_order and retake_order_places call this once
-- per sector, in sector order, and a release locks only bucket 0, so a transaction here holds no bucket row of
-- this sector when it starts. It then waits for a bucket row only while holding no other one of this sector,
-- or in bucket order, so no two buyers can wait for each other:
-- 1. a bucket with room that nobody holds right now (SKIP LOCKED): no wait at all;
-- 2. every bucket with room busy: wait for one of them, picked at random so waiters spread. If its holder
--    used up its room, PostgreSQL keeps the row locked although this UPDATE changed nothing (it locks the
--    newest version before checking it again); the block's rollback gives that lock back, so step 3 never
--    waits for a lower bucket while holding a higher one;
-- 3. near sell-out: lock every bucket of the sector in bucket order, count, and take across them.
CREATE OR REPLACE FUNCTION take_general_places(p_sector uuid, p_quantity int, p_buckets smallint) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_buckets smallint[];
    v_available int[];
    v_left int := p_quantity;
    v_take int;
    v_index int;
    v_free int;
BEGIN
    IF p_buckets > 1 THEN
        UPDATE sector_buckets b
           SET available = b.available - p_quantity
         WHERE (b.sector_id, b.bucket) = (
                   SELECT sector_id, bucket FROM sector_buckets
                    WHERE sector_id = p_sector AND available >= p_quantity
                    ORDER BY random()
                    LIMIT 1
                      FOR UPDATE SKIP LOCKED);
        IF FOUND THEN
            RETURN;
        END IF;
        BEGIN
            UPDATE sector_buckets
               SET available = available - p_quantity
             WHERE sector_id = p_sector
               AND bucket = (SELECT bucket FROM sector_buckets
                              WHERE sector_id = p_sector AND available >= p_quantity
                              ORDER BY random() LIMIT 1)
               AND available >= p_quantity;
            IF FOUND THEN
                RETURN;
            END IF;
            RAISE EXCEPTION 'bucket-used-up' USING ERRCODE = 'P0B01';
        EXCEPTION WHEN SQLSTATE 'P0B01' THEN
            NULL;  -- the row lock the UPDATE kept is given back here
        END;
    ELSE
        -- One bucket: it is the only row to wait for.
        UPDATE sector_buckets SET available = available - p_quantity
         WHERE sector_id = p_sector AND bucket = 0 AND available >= p_quantity;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    SELECT array_agg(bucket ORDER BY bucket), array_agg(available ORDER BY bucket)
      INTO v_buckets, v_available
      FROM (SELECT bucket, available FROM sector_buckets
             WHERE sector_id = p_sector
             ORDER BY bucket
               FOR UPDATE) locked;
    v_free := COALESCE((SELECT sum(a) FROM unnest(v_available) a), 0);
    IF v_free < p_quantity THEN
        RAISE EXCEPTION 'sold-out' USING DETAIL = format('Only %s place(s) left in this sector', v_free);
    END IF;
    FOR v_index IN 1 .. cardinality(v_buckets)
    LOOP
        v_take := least(v_left, v_available[v_index]);
        CONTINUE WHEN v_take <= 0;
        UPDATE sector_buckets SET available = available - v_take
         WHERE sector_id = p_sector AND bucket = v_buckets[v_index];
        v_left := v_left - v_take;
        EXIT WHEN v_left = 0;
    END LOOP;
END
$$;
