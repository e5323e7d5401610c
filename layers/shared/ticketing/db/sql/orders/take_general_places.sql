-- Take p_quantity general-admission places of a sector spread over p_buckets rows, or raise sold-out.
CREATE OR REPLACE FUNCTION take_general_places(p_sector uuid, p_quantity int, p_buckets smallint) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_bucket record;
    v_left int := p_quantity;
    v_take int;
    v_free int := 0;
BEGIN
    IF p_buckets > 1 THEN
        -- Usual case: one bucket with room that no other buyer is touching right now.
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
    END IF;
    -- Every bucket busy (or just one): wait for one that had room, then check again under its lock.
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
    -- Near sell-out: lock every bucket with places, in bucket order (no deadlock), and take across them.
    FOR v_bucket IN
        SELECT bucket, available FROM sector_buckets
         WHERE sector_id = p_sector AND available > 0
         ORDER BY bucket
           FOR UPDATE
    LOOP
        v_free := v_free + v_bucket.available;
    END LOOP;
    IF v_free < p_quantity THEN
        RAISE EXCEPTION 'sold-out' USING DETAIL = format('Only %s place(s) left in this sector', v_free);
    END IF;
    FOR v_bucket IN
        SELECT bucket, available FROM sector_buckets
         WHERE sector_id = p_sector AND available > 0
         ORDER BY bucket
    LOOP
        v_take := least(v_left, v_bucket.available);
        UPDATE sector_buckets SET available = available - v_take
         WHERE sector_id = p_sector AND bucket = v_bucket.bucket;
        v_left := v_left - v_take;
        EXIT WHEN v_left = 0;
    END LOOP;
END
$$;
