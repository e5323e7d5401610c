-- POST /events/{id}/waitlist: the buyer waits for places of a sold-out sector.
-- p: {entry_id, user_sub, event_id, sector_id, quantity, type, half_category?, counts_to_quota}
-- The checks, in the contract's order: the event visible (404), the sector one of its own (422 sector_id);
-- then state: the event not on sale, already waiting there, or the places asked for are on sale (buy them
-- instead) → invalid-state;
-- then the limits: more than max_tickets_per_order, or past the buyer's per-CPF limit → limit-exceeded.
-- Returns the entry's document.
CREATE OR REPLACE FUNCTION join_waitlist(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_user users%ROWTYPE;
    v_event events%ROWTYPE;
    v_sector sectors%ROWTYPE;
    v_quantity int := (p ->> 'quantity')::int;
    v_quota boolean := (p ->> 'counts_to_quota')::boolean;
    v_entry uuid := (p ->> 'entry_id')::uuid;
    v_available int;
    v_half_left int;
    v_cpf_taken int;
BEGIN
    v_user := user_by_sub(p ->> 'user_sub', 'forbidden', 'This account has no buyer profile');
    -- A draft is seen only by its organizer (404 for everyone else, as GET /events/{id} answers); an event
    -- its caller can see that is not on sale (a draft of theirs, closed, cancelled) is a 409 below.
    SELECT * INTO v_event FROM events WHERE id = (p ->> 'event_id')::uuid;
    IF NOT FOUND OR (v_event.status = 'draft' AND v_event.organizer_id IS DISTINCT FROM v_user.id) THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No event with this id';
    END IF;
    SELECT * INTO v_sector FROM sectors WHERE id = (p ->> 'sector_id')::uuid AND event_id = v_event.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'validation' USING DETAIL = 'No such sector in this event', HINT = 'sector_id';
    END IF;
    IF v_event.status <> 'on_sale' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('The event is not on sale (%s)', v_event.status);
    END IF;
    IF v_event.starts_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'The event has already started';
    END IF;
    IF EXISTS (SELECT 1 FROM waitlist_entries
                WHERE sector_id = v_sector.id AND user_id = v_user.id AND status IN ('waiting', 'offered')) THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'You are already on the waiting list of this sector';
    END IF;
    -- What the public could buy now (as the catalog counts it: a lapsed hold is free unless people wait).
    v_available := sector_places_on_sale(v_sector);
    v_half_left := v_sector.half_quota - v_sector.half_taken;
    IF v_available >= v_quantity AND (NOT v_quota OR v_half_left >= v_quantity) THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = format('This sector still has %s place(s) on sale: buy them instead', v_available);
    END IF;
    IF v_quantity > v_event.max_tickets_per_order THEN
        RAISE EXCEPTION 'limit-exceeded'
            USING DETAIL = format('At most %s tickets per order', v_event.max_tickets_per_order), HINT = 'quantity';
    END IF;
    IF v_event.max_tickets_per_cpf IS NOT NULL AND v_user.cpf IS NOT NULL THEN
        SELECT taken INTO v_cpf_taken FROM cpf_ticket_counts WHERE event_id = v_event.id AND cpf = v_user.cpf;
        IF COALESCE(v_cpf_taken, 0) + v_quantity > v_event.max_tickets_per_cpf THEN
            RAISE EXCEPTION 'limit-exceeded'
                USING DETAIL = format('At most %s tickets per CPF for this event', v_event.max_tickets_per_cpf),
                      HINT = 'quantity';
        END IF;
    END IF;
    INSERT INTO waitlist_entries (id, event_id, sector_id, user_id, quantity, type, half_category, counts_to_quota)
    VALUES (v_entry, v_event.id, v_sector.id, v_user.id, v_quantity, p ->> 'type', p ->> 'half_category', v_quota)
    ON CONFLICT (sector_id, user_id) WHERE status IN ('waiting', 'offered') DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'You are already on the waiting list of this sector';
    END IF;
    -- Places a release freed while this buyer joined (it did not see the entry yet) go to the list now: the
    -- locks wait for a release in flight, and what it freed is then seen and offered.
    PERFORM offer_free_places(v_sector.id);
    RETURN waitlist_entry_document(v_entry);
END
$$;
