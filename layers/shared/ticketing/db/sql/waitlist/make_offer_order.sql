-- The order a waiting-list offer is: `reserved` for the entry's buyer, the event's hold_minutes to pay, priced
-- as a hold prices it (lotes, half price, service fee), its seats taken (seated) and an e-mail queued in the
-- outbox with the link to pay. The caller (offer_returned_places) checked the places, the quota and the
-- CPF count, and moves the quota and general-place counters itself. Returns the order's id.
CREATE OR REPLACE FUNCTION make_offer_order(p_event events, p_sector sectors, p_user users,
                                            p_entry waitlist_entries, p_seats uuid[]) RETURNS uuid
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order uuid := gen_random_uuid();
    v_expires timestamptz := now() + make_interval(mins => p_event.hold_minutes);
    v_lines jsonb := '[]';
    v_part record;
    v_seat uuid;
    v_tickets_cents bigint := 0;
    v_fee_cents bigint := 0;
BEGIN
    -- One line per seat (seated) or one line for the places (general), each split over the open lotes.
    FOREACH v_seat IN ARRAY COALESCE(p_seats, ARRAY[NULL::uuid])
    LOOP
        FOR v_part IN
            SELECT * FROM price_ticket_line(p_sector.id, p_sector.has_tiers, p_sector.price_cents,
                                            CASE WHEN v_seat IS NULL THEN p_entry.quantity ELSE 1 END,
                                            p_entry.type, p_event.service_fee_percent)
        LOOP
            v_lines := v_lines || jsonb_build_object(
                'seat_id', v_seat, 'quantity', v_part.quantity, 'tier_id', v_part.tier_id,
                'unit_price_cents', v_part.unit_price_cents, 'unit_fee_cents', v_part.unit_fee_cents);
            v_tickets_cents := v_tickets_cents + v_part.unit_price_cents::bigint * v_part.quantity;
            v_fee_cents := v_fee_cents + v_part.unit_fee_cents::bigint * v_part.quantity;
        END LOOP;
    END LOOP;

    INSERT INTO orders (id, user_id, event_id, buyer_cpf, status, expires_at, hold_expires_at, ticket_count,
                        tickets_cents, products_cents, fee_cents, total_cents, waitlist_offer)
    VALUES (v_order, p_user.id, p_event.id,
            CASE WHEN p_event.max_tickets_per_cpf IS NOT NULL THEN p_user.cpf END,
            'reserved', v_expires, v_expires, p_entry.quantity, v_tickets_cents, 0, v_fee_cents,
            v_tickets_cents + v_fee_cents, true);
    INSERT INTO order_tickets (order_id, position, sector_id, seat_id, quantity, type, half_category,
                               counts_to_quota, tier_id, unit_price_cents, unit_fee_cents)
    SELECT v_order, l.position, p_sector.id, (l.line ->> 'seat_id')::uuid, (l.line ->> 'quantity')::int,
           p_entry.type, p_entry.half_category, p_entry.counts_to_quota, (l.line ->> 'tier_id')::uuid,
           (l.line ->> 'unit_price_cents')::int, (l.line ->> 'unit_fee_cents')::int
      FROM jsonb_array_elements(v_lines) WITH ORDINALITY AS l (line, position);
    IF p_seats IS NOT NULL THEN
        UPDATE seats SET order_id = v_order WHERE id = ANY (p_seats) AND order_id IS NULL;
    END IF;

    INSERT INTO outbox (kind, aggregate_id, payload)
    VALUES ('email', v_order, jsonb_build_object(
        'template', 'waitlist-offer', 'purpose', 'waitlist-offer', 'to', p_user.email, 'name', p_user.name,
        'event_name', p_event.name, 'sector_name', p_sector.name, 'quantity', p_entry.quantity,
        'seat_labels', (SELECT jsonb_agg(label ORDER BY length(row_label), row_label, number)
                          FROM seats WHERE id = ANY (p_seats)),
        'order_id', v_order, 'total_cents', v_tickets_cents + v_fee_cents, 'expires_at', iso_utc(v_expires),
        'timezone', p_event.timezone));
    RETURN v_order;
END
$$;
