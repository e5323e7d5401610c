-- Take a ticket line's place: its sector must be one of the event's, and a seated line takes its seat now
-- (or raises). A general-admission line is only checked here: hold_order takes its places last, with the
-- other hot rows. Returns the sector and the seat's label (NULL for general admission).
CREATE OR REPLACE FUNCTION take_line_place(p_order uuid, p_event uuid, p_line jsonb,
                                           OUT line_sector sectors, OUT seat_label text)
    LANGUAGE plpgsql
AS $$
BEGIN
    SELECT * INTO line_sector FROM sectors
     WHERE id = (p_line ->> 'sector_id')::uuid AND event_id = p_event;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'validation' USING DETAIL = 'No such sector in this event',
            HINT = format('tickets[%s].sector_id', p_line ->> 'index');
    END IF;
    IF line_sector.kind = 'seated' THEN
        IF p_line ->> 'seat_id' IS NULL THEN
            RAISE EXCEPTION 'validation' USING DETAIL = 'A seated sector needs a seat_id',
                HINT = format('tickets[%s].seat_id', p_line ->> 'index');
        END IF;
        UPDATE seats SET order_id = p_order
         WHERE id = (p_line ->> 'seat_id')::uuid AND sector_id = line_sector.id AND order_id IS NULL
        RETURNING label INTO seat_label;
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM seats WHERE id = (p_line ->> 'seat_id')::uuid AND sector_id = line_sector.id)
            THEN
                RAISE EXCEPTION 'seat-unavailable' USING DETAIL = 'This seat is already taken',
                    HINT = format('tickets[%s].seat_id', p_line ->> 'index');
            END IF;
            RAISE EXCEPTION 'validation' USING DETAIL = 'No such seat in this sector',
                HINT = format('tickets[%s].seat_id', p_line ->> 'index');
        END IF;
    ELSIF p_line ->> 'seat_id' IS NOT NULL THEN
        RAISE EXCEPTION 'validation' USING DETAIL = 'General admission takes a quantity, not a seat',
            HINT = format('tickets[%s].seat_id', p_line ->> 'index');
    END IF;
END
$$;
