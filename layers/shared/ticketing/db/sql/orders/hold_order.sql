-- POST /orders: hold every ticket and add-on at once or nothing, in one statement.
-- p: {order_id, user_sub, event_id, admitted?, idempotency?, tickets: [{index, sector_id, seat_id?, quantity, type,
--     half_category?, counts_to_quota}], products: [{index, product_id, quantity}]}
-- Tickets arrive sorted by (sector_id, seat_id) and products by id, so concurrent holds lock in one order.
-- Returns {replayed, order}: the order as order_document() shows it, or, for a repeated Idempotency-Key,
-- the order the first request held.
--
-- The steps: the buyer and a replay; the event; the limits (check_hold_limits); each ticket line taken
-- (take_line_place) and priced (price_ticket_line); the add-ons (take_products); the totals, the order and
-- its lines written once; and last the hot rows (half-price quota, general places), so their locks are
-- held only until the commit that follows, as short as a bare conditional UPDATE.
CREATE OR REPLACE FUNCTION hold_order(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order uuid := (p ->> 'order_id')::uuid;
    v_idempotency jsonb := CASE WHEN jsonb_typeof(p -> 'idempotency') = 'object' THEN p -> 'idempotency' END;
    v_user users%ROWTYPE;
    v_event events%ROWTYPE;
    v_line jsonb;
    v_taken record;
    v_sector sectors%ROWTYPE;
    v_part record;
    v_product record;
    v_replay jsonb;
    v_quantity int;
    v_total_tickets int;
    v_expires timestamptz;
    v_tickets_cents bigint := 0;
    v_fee_cents bigint := 0;
    v_products_cents bigint := 0;
    -- order lines, collected first and written once the order row exists
    v_ticket order_tickets%ROWTYPE;
    v_tickets order_tickets[] := '{}';
    v_ticket_docs jsonb := '[]';
    v_add_on order_products%ROWTYPE;
    v_products order_products[] := '{}';
    v_product_docs jsonb := '[]';
    -- the hot rows, taken last
    v_general_sectors uuid[] := '{}';
    v_general_quantities int[] := '{}';
    v_general_buckets smallint[] := '{}';
    v_quota_sectors uuid[] := '{}';
    v_quota_quantities int[] := '{}';
    v_quota_index int[] := '{}';
    v_index int;
    v_doc jsonb;
BEGIN
    -- The buyer, and the first answer when this is a repeated Idempotency-Key.
    v_user := user_by_sub(p ->> 'user_sub', 'forbidden', 'This account has no buyer profile');
    IF v_idempotency IS NOT NULL THEN
        v_replay := claim_idempotency_key(v_user.id, v_idempotency);
        IF v_replay IS NOT NULL THEN
            RETURN jsonb_build_object('replayed', true, 'order', v_replay);
        END IF;
    END IF;

    -- The event, on sale and not started; its lapsed holds are given back before anything is counted.
    SELECT * INTO v_event FROM events WHERE id = (p ->> 'event_id')::uuid AND status = 'on_sale';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No event on sale with this id';
    END IF;
    -- The waiting room: while it is enabled, the caller passed a valid admission token (checked in Python).
    IF v_event.queue_enabled AND (p ->> 'admitted') IS DISTINCT FROM 'true' THEN
        RAISE EXCEPTION 'admission-required'
            USING DETAIL = 'This on-sale has a waiting room: join the queue and send its X-Admission-Token';
    END IF;
    IF v_event.starts_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'The event has already started';
    END IF;
    PERFORM release_expired_holds_of_event(v_event.id);

    v_total_tickets := check_hold_limits(v_user.id, v_user.cpf, v_event.id, v_event.max_tickets_per_order,
                                         v_event.max_tickets_per_cpf, p -> 'tickets');

    FOR v_line IN SELECT value FROM jsonb_array_elements(p -> 'tickets')
    LOOP
        v_taken := take_line_place(v_order, v_event.id, v_line);
        v_sector := v_taken.line_sector;
        v_quantity := (v_line ->> 'quantity')::int;
        IF v_sector.kind = 'general' THEN
            -- One take per sector (lines arrive sorted by sector): take_general_places must not be called
            -- twice for a sector in one transaction, or the second call could wait while holding a bucket.
            IF v_general_sectors[cardinality(v_general_sectors)] = v_sector.id THEN
                v_general_quantities[cardinality(v_general_quantities)] :=
                    v_general_quantities[cardinality(v_general_quantities)] + v_quantity;
            ELSE
                v_general_sectors := v_general_sectors || v_sector.id;
                v_general_quantities := v_general_quantities || v_quantity;
                v_general_buckets := v_general_buckets || v_sector.buckets;
            END IF;
        END IF;
        IF (v_line ->> 'counts_to_quota')::boolean THEN
            v_quota_sectors := v_quota_sectors || v_sector.id;
            v_quota_quantities := v_quota_quantities || v_quantity;
            v_quota_index := v_quota_index || (v_line ->> 'index')::int;
        END IF;
        v_ticket.sector_id := v_sector.id;
        v_ticket.seat_id := (v_line ->> 'seat_id')::uuid;
        v_ticket.type := v_line ->> 'type';
        v_ticket.half_category := v_line ->> 'half_category';
        v_ticket.counts_to_quota := (v_line ->> 'counts_to_quota')::boolean;
        FOR v_part IN
            SELECT * FROM price_ticket_line(v_sector.id, v_sector.has_tiers, v_sector.price_cents, v_quantity,
                                            v_ticket.type, v_event.service_fee_percent)
        LOOP
            v_ticket.position := cardinality(v_tickets) + 1;
            v_ticket.quantity := v_part.quantity;
            v_ticket.tier_id := v_part.tier_id;
            v_ticket.unit_price_cents := v_part.unit_price_cents;
            v_ticket.unit_fee_cents := v_part.unit_fee_cents;
            v_tickets := v_tickets || v_ticket;
            v_tickets_cents := v_tickets_cents + v_part.unit_price_cents::bigint * v_part.quantity;
            v_fee_cents := v_fee_cents + v_part.unit_fee_cents::bigint * v_part.quantity;
            v_ticket_docs := v_ticket_docs || jsonb_build_object(
                'sector_id', v_sector.id, 'sector', v_sector.name, 'seat_id', v_ticket.seat_id,
                'seat_label', v_taken.seat_label, 'quantity', v_part.quantity, 'type', v_ticket.type,
                'half_category', v_ticket.half_category, 'tier', v_part.tier_name,
                'unit_price_cents', v_part.unit_price_cents, 'unit_fee_cents', v_part.unit_fee_cents);
        END LOOP;
    END LOOP;

    IF jsonb_array_length(COALESCE(p -> 'products', '[]')) > 0 THEN
        FOR v_product IN SELECT * FROM take_products(v_event, p -> 'products')
        LOOP
            v_add_on.product_id := v_product.product_id;
            v_add_on.quantity := v_product.quantity;
            v_add_on.unit_price_cents := v_product.unit_price_cents;
            v_products := v_products || v_add_on;
            v_products_cents := v_products_cents + v_product.unit_price_cents::bigint * v_product.quantity;
            v_product_docs := v_product_docs || jsonb_build_object(
                'product_id', v_product.product_id, 'name', v_product.name, 'quantity', v_product.quantity,
                'unit_price_cents', v_product.unit_price_cents);
        END LOOP;
    END IF;

    -- The totals, and the order written once with them, then its lines.
    v_expires := now() + make_interval(mins => v_event.hold_minutes);
    INSERT INTO orders (id, user_id, event_id, buyer_cpf, status, expires_at, hold_expires_at,
                        ticket_count, tickets_cents, products_cents, fee_cents, total_cents)
    VALUES (v_order, v_user.id, v_event.id,
            CASE WHEN v_event.max_tickets_per_cpf IS NOT NULL THEN v_user.cpf END,
            'reserved', v_expires, v_expires, v_total_tickets, v_tickets_cents, v_products_cents, v_fee_cents,
            v_tickets_cents + v_fee_cents + v_products_cents);
    INSERT INTO order_tickets (order_id, position, sector_id, seat_id, quantity, type, half_category,
                               counts_to_quota, tier_id, unit_price_cents, unit_fee_cents)
    SELECT v_order, l.position, l.sector_id, l.seat_id, l.quantity, l.type, l.half_category,
           l.counts_to_quota, l.tier_id, l.unit_price_cents, l.unit_fee_cents
      FROM unnest(v_tickets) l;
    IF cardinality(v_products) > 0 THEN
        INSERT INTO order_products (order_id, product_id, quantity, unit_price_cents)
        SELECT v_order, x.product_id, x.quantity, x.unit_price_cents FROM unnest(v_products) x;
        SELECT jsonb_agg(x ORDER BY x ->> 'name', x ->> 'product_id') INTO v_product_docs
          FROM jsonb_array_elements(v_product_docs) x;
    END IF;

    -- The same document order_document() gives for this order (a test compares the two).
    v_doc := jsonb_build_object(
        'id', v_order, 'event_id', v_event.id, 'status', 'reserved',
        'expires_at', iso_utc(v_expires), 'created_at', iso_utc(now()), 'paid_at', NULL,
        'ticket_count', v_total_tickets, 'tickets', v_ticket_docs, 'products', v_product_docs,
        'tickets_cents', v_tickets_cents, 'products_cents', v_products_cents, 'fee_cents', v_fee_cents,
        'total_cents', v_tickets_cents + v_fee_cents + v_products_cents, 'payment', NULL);
    IF v_idempotency IS NOT NULL THEN
        PERFORM remember_idempotency_key(v_user.id, v_idempotency, v_doc);
    END IF;

    -- Last, the hot rows: half-price quota counters, then general-admission places (sector order).
    FOR v_index IN 1 .. cardinality(v_quota_sectors)
    LOOP
        UPDATE sectors SET half_taken = half_taken + v_quota_quantities[v_index]
         WHERE id = v_quota_sectors[v_index] AND half_taken + v_quota_quantities[v_index] <= half_quota;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'limit-exceeded' USING DETAIL = 'The half-price quota of this sector is used up',
                HINT = format('tickets[%s].type', v_quota_index[v_index]);
        END IF;
    END LOOP;
    FOR v_index IN 1 .. cardinality(v_general_sectors)
    LOOP
        PERFORM take_general_places(v_general_sectors[v_index], v_general_quantities[v_index],
                                    v_general_buckets[v_index]);
    END LOOP;

    RETURN jsonb_build_object('replayed', false, 'order', v_doc);
END
$$;
