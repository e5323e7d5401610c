-- A hold's limits, checked before anything is taken: at most max_tickets_per_order tickets; the account's
-- unpaid orders of the event together at most max_tickets_per_order places (issue 14: one account cannot
-- hold a whole sector); and, when the event limits tickets per CPF and the buyer has one, the buyer's CPF
-- count. Both counters are taken in one conditional upsert each (50 parallel holds of one buyer cannot beat
-- them), account first, as release_orders locks them; the row locks last until the hold's commit.
-- Returns how many tickets the hold asks for. The buyer's and the event's values are passed, not their rows.
CREATE OR REPLACE FUNCTION check_hold_limits(p_user uuid, p_cpf text, p_event uuid, p_max_per_order int,
                                             p_max_per_cpf int, p_tickets jsonb) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    v_total_tickets int;
BEGIN
    SELECT COALESCE(sum((t ->> 'quantity')::int), 0) INTO v_total_tickets
      FROM jsonb_array_elements(p_tickets) t;
    IF v_total_tickets > p_max_per_order THEN
        RAISE EXCEPTION 'limit-exceeded'
            USING DETAIL = format('At most %s tickets per order', p_max_per_order);
    END IF;
    INSERT INTO account_hold_counts AS c (event_id, user_id, held)
    VALUES (p_event, p_user, v_total_tickets)
    ON CONFLICT (event_id, user_id) DO UPDATE
       SET held = c.held + EXCLUDED.held
     WHERE c.held + EXCLUDED.held <= p_max_per_order;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'limit-exceeded'
            USING DETAIL = format('Your unpaid orders for this event may hold at most %s tickets; pay or cancel one first',
                                  p_max_per_order);
    END IF;
    IF p_max_per_cpf IS NOT NULL AND p_cpf IS NOT NULL THEN
        -- A first order over the cap inserts nothing (the SELECT's WHERE), a later one updates nothing.
        INSERT INTO cpf_ticket_counts AS c (event_id, cpf, taken)
        SELECT p_event, p_cpf, v_total_tickets WHERE v_total_tickets <= p_max_per_cpf
        ON CONFLICT (event_id, cpf) DO UPDATE
           SET taken = c.taken + EXCLUDED.taken
         WHERE c.taken + EXCLUDED.taken <= p_max_per_cpf;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'limit-exceeded'
                USING DETAIL = format('At most %s tickets per CPF for this event', p_max_per_cpf);
        END IF;
    END IF;
    RETURN v_total_tickets;
END
$$;
