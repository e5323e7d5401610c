-- Order statements that must be atomic run as one SQL function: one round trip, one transaction,
-- no lock held across the network. Errors are raised with MESSAGE = the problem name
-- (sold-out, seat-unavailable, ...), DETAIL = text for people, HINT = the request field when it is one.

CREATE INDEX orders_live_by_event_expiry ON orders (event_id, expires_at)
    WHERE status IN ('reserved', 'awaiting_payment');

CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');

-- The order as the API shows it. A live order whose deadline passed reads as expired (lazy expiry).
CREATE FUNCTION order_document(p_order uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'id', o.id,
        'event_id', o.event_id,
        'status', CASE WHEN o.status IN ('reserved', 'awaiting_payment') AND o.expires_at <= now()
                       THEN 'expired' ELSE o.status END,
        'expires_at', iso_utc(o.expires_at),
        'created_at', iso_utc(o.created_at),
        'paid_at', iso_utc(o.paid_at),
        'ticket_count', o.ticket_count,
        'tickets', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'sector_id', l.sector_id,
                       'sector', sec.name,
                       'seat_id', l.seat_id,
                       'seat_label', st.label,
                       'quantity', l.quantity,
                       'type', l.type,
                       'half_category', l.half_category,
                       'tier', t.name,
                       'unit_price_cents', l.unit_price_cents,
                       'unit_fee_cents', l.unit_fee_cents) ORDER BY l.position)
              FROM order_tickets l
              JOIN sectors sec ON sec.id = l.sector_id
              LEFT JOIN seats st ON st.id = l.seat_id
              LEFT JOIN price_tiers t ON t.id = l.tier_id
             WHERE l.order_id = o.id), '[]'::jsonb),
        'products', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'product_id', op.product_id,
                       'name', p.name,
                       'quantity', op.quantity,
                       'unit_price_cents', op.unit_price_cents) ORDER BY p.name, op.product_id)
              FROM order_products op
              JOIN products p ON p.id = op.product_id
             WHERE op.order_id = o.id), '[]'::jsonb),
        'tickets_cents', o.tickets_cents,
        'products_cents', o.products_cents,
        'fee_cents', o.fee_cents,
        'total_cents', o.total_cents)
      FROM orders o
     WHERE o.id = p_order
$$;

-- Give back everything the given orders hold or own, and set their status. The caller has locked them.
CREATE FUNCTION release_orders(p_ids uuid[], p_status text) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE orders SET status = p_status, released_at = now(), updated_at = now() WHERE id = ANY (p_ids);
    UPDATE seats SET order_id = NULL WHERE order_id = ANY (p_ids);
    UPDATE sector_buckets b
       SET available = b.available + x.quantity
      FROM (SELECT sector_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND seat_id IS NULL
             GROUP BY sector_id) x
     WHERE b.sector_id = x.sector_id AND b.bucket = 0;
    UPDATE sectors s
       SET half_taken = s.half_taken - x.quantity
      FROM (SELECT sector_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND counts_to_quota
             GROUP BY sector_id) x
     WHERE s.id = x.sector_id;
    UPDATE price_tiers t
       SET taken = t.taken - x.quantity
      FROM (SELECT tier_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND tier_id IS NOT NULL
             GROUP BY tier_id) x
     WHERE t.id = x.tier_id;
    UPDATE cpf_ticket_counts c
       SET taken = c.taken - x.quantity
      FROM (SELECT event_id, buyer_cpf, sum(ticket_count) AS quantity
              FROM orders WHERE id = ANY (p_ids) AND buyer_cpf IS NOT NULL
             GROUP BY event_id, buyer_cpf) x
     WHERE c.event_id = x.event_id AND c.cpf = x.buyer_cpf;
    UPDATE products p
       SET available = p.available + x.quantity
      FROM (SELECT product_id, sum(quantity) AS quantity
              FROM order_products WHERE order_id = ANY (p_ids)
             GROUP BY product_id) x
     WHERE p.id = x.product_id AND p.available IS NOT NULL;
END
$$;

-- The expiration job: one batch of stale holds, skipping rows another worker has locked.
CREATE FUNCTION release_expired_holds(p_limit int) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    SELECT array_agg(id) INTO v_ids
      FROM (SELECT id FROM orders
             WHERE status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
             ORDER BY expires_at
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED) stale;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM release_orders(v_ids, 'expired');
    RETURN cardinality(v_ids);
END
$$;

-- Lazy expiry inside a hold: stale holds of the event are released before anything is counted.
CREATE FUNCTION release_expired_holds_of_event(p_event uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    SELECT array_agg(id ORDER BY id) INTO v_ids
      FROM (SELECT id FROM orders
             WHERE event_id = p_event AND status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
             ORDER BY id
               FOR UPDATE) stale;
    IF v_ids IS NOT NULL THEN
        PERFORM release_orders(v_ids, 'expired');
    END IF;
END
$$;

-- Take p_quantity general-admission places of a sector, or raise sold-out.
CREATE FUNCTION take_general_places(p_sector uuid, p_quantity int) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_bucket record;
    v_left int := p_quantity;
    v_take int;
    v_free int := 0;
BEGIN
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
    -- Near sell-out or all busy: wait for every bucket with places, in bucket order (no deadlock).
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

-- Split p_quantity places over the sector's open price tiers (lotes), first open tier first.
-- Without tiers, or once every tier is sold out or ended, the sector's own price applies.
CREATE FUNCTION take_tier_places(p_sector uuid, p_quantity int, p_base_price int)
    RETURNS TABLE (tier_id uuid, price_cents int, quantity int)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_tier record;
    v_left int := p_quantity;
    v_take int;
BEGIN
    IF EXISTS (SELECT 1 FROM price_tiers t WHERE t.sector_id = p_sector) THEN
        FOR v_tier IN
            SELECT t.id, t.price_cents, t.quantity, t.taken FROM price_tiers t
             WHERE t.sector_id = p_sector AND (t.ends_at IS NULL OR t.ends_at > now())
             ORDER BY t.position
               FOR UPDATE
        LOOP
            v_take := CASE WHEN v_tier.quantity IS NULL THEN v_left
                           ELSE least(v_left, v_tier.quantity - v_tier.taken) END;
            CONTINUE WHEN v_take <= 0;
            UPDATE price_tiers SET taken = taken + v_take WHERE id = v_tier.id;
            tier_id := v_tier.id;
            price_cents := v_tier.price_cents;
            quantity := v_take;
            RETURN NEXT;
            v_left := v_left - v_take;
            EXIT WHEN v_left = 0;
        END LOOP;
    END IF;
    IF v_left > 0 THEN
        tier_id := NULL;
        price_cents := p_base_price;
        quantity := v_left;
        RETURN NEXT;
    END IF;
END
$$;

-- Take add-ons for an order (products sorted by id by the caller), or raise.
CREATE FUNCTION take_order_products(p_order uuid, p_event events, p_products jsonb) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_item jsonb;
    v_index int := -1;
    v_product record;
    v_quantity int;
BEGIN
    FOR v_item IN SELECT value FROM jsonb_array_elements(COALESCE(p_products, '[]'::jsonb))
    LOOP
        v_index := v_index + 1;
        v_quantity := (v_item ->> 'quantity')::int;
        SELECT id, price_cents, available INTO v_product FROM products
         WHERE id = (v_item ->> 'product_id')::uuid
           AND (event_id = p_event.id OR (event_id IS NULL AND organizer_id = p_event.organizer_id));
        IF NOT FOUND THEN
            RAISE EXCEPTION 'validation' USING DETAIL = 'No such add-on for this event',
                HINT = format('products[%s].product_id', v_item ->> 'index');
        END IF;
        IF v_product.available IS NOT NULL THEN
            UPDATE products SET available = available - v_quantity
             WHERE id = v_product.id AND available >= v_quantity;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'out-of-stock' USING DETAIL = 'Not enough of this add-on left',
                    HINT = format('products[%s].product_id', v_item ->> 'index');
            END IF;
        END IF;
        INSERT INTO order_products (order_id, product_id, quantity, unit_price_cents)
        VALUES (p_order, v_product.id, v_quantity, v_product.price_cents);
    END LOOP;
END
$$;

CREATE FUNCTION refresh_order_totals(p_order uuid) RETURNS void
    LANGUAGE sql
AS $$
    UPDATE orders o
       SET ticket_count = t.tickets,
           tickets_cents = t.tickets_cents,
           fee_cents = t.fee_cents,
           products_cents = p.products_cents,
           total_cents = t.tickets_cents + t.fee_cents + p.products_cents,
           updated_at = now()
      FROM (SELECT COALESCE(sum(quantity), 0)::int AS tickets,
                   COALESCE(sum(quantity * unit_price_cents), 0)::int AS tickets_cents,
                   COALESCE(sum(quantity * unit_fee_cents), 0)::int AS fee_cents
              FROM order_tickets WHERE order_id = p_order) t,
           (SELECT COALESCE(sum(quantity * unit_price_cents), 0)::int AS products_cents
              FROM order_products WHERE order_id = p_order) p
     WHERE o.id = p_order
$$;

-- Replay or claim an Idempotency-Key. Returns the remembered answer, or NULL when the work must run.
-- The advisory lock is held until the caller's transaction ends, so a second request with the same key
-- arriving meanwhile is told the first is still running.
CREATE FUNCTION claim_idempotency_key(p_user uuid, p_idem jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_prev idempotency_keys%ROWTYPE;
BEGIN
    IF p_idem IS NULL OR jsonb_typeof(p_idem) <> 'object' THEN
        RETURN NULL;
    END IF;
    IF NOT pg_try_advisory_xact_lock(
            hashtextextended(p_user::text || '/' || (p_idem ->> 'scope') || '/' || (p_idem ->> 'key'), 0)) THEN
        RAISE EXCEPTION 'idempotency-in-progress'
            USING DETAIL = 'A request with this Idempotency-Key is still running; retry shortly';
    END IF;
    SELECT * INTO v_prev FROM idempotency_keys
     WHERE user_id = p_user AND scope = p_idem ->> 'scope' AND key = p_idem ->> 'key'
       AND created_at > now() - interval '24 hours';
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_prev.request_hash <> p_idem ->> 'hash' THEN
        RAISE EXCEPTION 'idempotency-conflict'
            USING DETAIL = 'This Idempotency-Key was used with a different request';
    END IF;
    RETURN jsonb_build_object('replayed', true, 'status', v_prev.status_code, 'body', v_prev.response);
END
$$;

CREATE FUNCTION remember_idempotency_key(p_user uuid, p_idem jsonb, p_status int, p_body jsonb) RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, response)
    SELECT p_user, p_idem ->> 'scope', p_idem ->> 'key', p_idem ->> 'hash', p_status, p_body
     WHERE p_idem IS NOT NULL AND jsonb_typeof(p_idem) = 'object'
    ON CONFLICT (user_id, scope, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
           response = EXCLUDED.response, created_at = now()
$$;

-- POST /orders: hold every ticket and add-on at once or nothing.
-- p: {order_id, user_sub, event_id, idempotency?, tickets: [{index, sector_id, seat_id?, quantity, type,
--     half_category?, counts_to_quota}], products: [{index, product_id, quantity}]}
-- Tickets arrive sorted by (sector_id, seat_id) and products by id, so concurrent holds lock in one order.
CREATE FUNCTION hold_order(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order uuid := (p ->> 'order_id')::uuid;
    v_user users%ROWTYPE;
    v_event events%ROWTYPE;
    v_sector sectors%ROWTYPE;
    v_line jsonb;
    v_position int := 0;
    v_quantity int;
    v_total_tickets int;
    v_replay jsonb;
    v_tier record;
    v_unit int;
    v_doc jsonb;
BEGIN
    SELECT * INTO v_user FROM users WHERE cognito_sub = p ->> 'user_sub';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'forbidden' USING DETAIL = 'This account has no buyer profile';
    END IF;
    v_replay := claim_idempotency_key(v_user.id, p -> 'idempotency');
    IF v_replay IS NOT NULL THEN
        RETURN v_replay;
    END IF;

    SELECT * INTO v_event FROM events WHERE id = (p ->> 'event_id')::uuid AND status = 'on_sale';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No event on sale with this id';
    END IF;
    IF v_event.starts_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'The event has already started';
    END IF;
    PERFORM release_expired_holds_of_event(v_event.id);

    SELECT COALESCE(sum((t ->> 'quantity')::int), 0) INTO v_total_tickets
      FROM jsonb_array_elements(p -> 'tickets') t;
    IF v_total_tickets > v_event.max_tickets_per_order THEN
        RAISE EXCEPTION 'limit-exceeded'
            USING DETAIL = format('At most %s tickets per order', v_event.max_tickets_per_order);
    END IF;
    IF v_event.max_tickets_per_cpf IS NOT NULL AND v_user.cpf IS NOT NULL THEN
        IF v_total_tickets > v_event.max_tickets_per_cpf THEN
            RAISE EXCEPTION 'limit-exceeded'
                USING DETAIL = format('At most %s tickets per CPF for this event', v_event.max_tickets_per_cpf);
        END IF;
        INSERT INTO cpf_ticket_counts AS c (event_id, cpf, taken)
        VALUES (v_event.id, v_user.cpf, v_total_tickets)
        ON CONFLICT (event_id, cpf) DO UPDATE
           SET taken = c.taken + EXCLUDED.taken
         WHERE c.taken + EXCLUDED.taken <= v_event.max_tickets_per_cpf;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'limit-exceeded'
                USING DETAIL = format('At most %s tickets per CPF for this event', v_event.max_tickets_per_cpf);
        END IF;
    END IF;

    INSERT INTO orders (id, user_id, event_id, buyer_cpf, status, expires_at,
                        ticket_count, tickets_cents, products_cents, fee_cents, total_cents)
    VALUES (v_order, v_user.id, v_event.id,
            CASE WHEN v_event.max_tickets_per_cpf IS NOT NULL THEN v_user.cpf END,
            'reserved', now() + make_interval(mins => v_event.hold_minutes), v_total_tickets, 0, 0, 0, 0);

    FOR v_line IN SELECT value FROM jsonb_array_elements(p -> 'tickets')
    LOOP
        SELECT * INTO v_sector FROM sectors
         WHERE id = (v_line ->> 'sector_id')::uuid AND event_id = v_event.id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'validation' USING DETAIL = 'No such sector in this event',
                HINT = format('tickets[%s].sector_id', v_line ->> 'index');
        END IF;
        v_quantity := (v_line ->> 'quantity')::int;
        IF v_sector.kind = 'seated' THEN
            IF v_line ->> 'seat_id' IS NULL THEN
                RAISE EXCEPTION 'validation' USING DETAIL = 'A seated sector needs a seat_id',
                    HINT = format('tickets[%s].seat_id', v_line ->> 'index');
            END IF;
            UPDATE seats SET order_id = v_order
             WHERE id = (v_line ->> 'seat_id')::uuid AND sector_id = v_sector.id AND order_id IS NULL;
            IF NOT FOUND THEN
                IF EXISTS (SELECT 1 FROM seats WHERE id = (v_line ->> 'seat_id')::uuid AND sector_id = v_sector.id)
                THEN
                    RAISE EXCEPTION 'seat-unavailable' USING DETAIL = 'This seat is already taken',
                        HINT = format('tickets[%s].seat_id', v_line ->> 'index');
                END IF;
                RAISE EXCEPTION 'validation' USING DETAIL = 'No such seat in this sector',
                    HINT = format('tickets[%s].seat_id', v_line ->> 'index');
            END IF;
        ELSE
            IF v_line ->> 'seat_id' IS NOT NULL THEN
                RAISE EXCEPTION 'validation' USING DETAIL = 'General admission takes a quantity, not a seat',
                    HINT = format('tickets[%s].seat_id', v_line ->> 'index');
            END IF;
            PERFORM take_general_places(v_sector.id, v_quantity);
        END IF;
        IF (v_line ->> 'counts_to_quota')::boolean THEN
            UPDATE sectors SET half_taken = half_taken + v_quantity
             WHERE id = v_sector.id AND half_taken + v_quantity <= half_quota;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'limit-exceeded' USING DETAIL = 'The half-price quota of this sector is used up',
                    HINT = format('tickets[%s].type', v_line ->> 'index');
            END IF;
        END IF;
        FOR v_tier IN SELECT * FROM take_tier_places(v_sector.id, v_quantity, v_sector.price_cents)
        LOOP
            v_unit := CASE WHEN v_line ->> 'type' = 'half' THEN v_tier.price_cents / 2 ELSE v_tier.price_cents END;
            v_position := v_position + 1;
            INSERT INTO order_tickets (order_id, position, sector_id, seat_id, quantity, type, half_category,
                                       counts_to_quota, tier_id, unit_price_cents, unit_fee_cents)
            VALUES (v_order, v_position, v_sector.id, (v_line ->> 'seat_id')::uuid, v_tier.quantity,
                    v_line ->> 'type', v_line ->> 'half_category', (v_line ->> 'counts_to_quota')::boolean,
                    v_tier.tier_id, v_unit, floor(v_unit * v_event.service_fee_percent / 100)::int);
        END LOOP;
    END LOOP;

    PERFORM take_order_products(v_order, v_event, p -> 'products');
    PERFORM refresh_order_totals(v_order);
    v_doc := order_document(v_order);
    PERFORM remember_idempotency_key(v_user.id, p -> 'idempotency', 201, v_doc);
    RETURN jsonb_build_object('replayed', false, 'status', 201, 'body', v_doc);
END
$$;

-- POST /orders/{id}/cancel by its buyer.
CREATE FUNCTION cancel_order(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
BEGIN
    SELECT o.* INTO v_order FROM orders o JOIN users u ON u.id = o.user_id
     WHERE o.id = p_order AND u.cognito_sub = p_user_sub
       FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    IF v_order.status NOT IN ('reserved', 'awaiting_payment') OR v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('An order that is %s cannot be cancelled',
            CASE WHEN v_order.status IN ('reserved', 'awaiting_payment') THEN 'expired' ELSE v_order.status END);
    END IF;
    PERFORM release_orders(ARRAY[v_order.id], 'cancelled');
    RETURN order_document(v_order.id);
END
$$;

-- PUT /orders/{id}/products: replace the add-ons of a reserved order.
CREATE FUNCTION replace_order_products(p_order uuid, p_user_sub text, p_products jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
BEGIN
    SELECT o.* INTO v_order FROM orders o JOIN users u ON u.id = o.user_id
     WHERE o.id = p_order AND u.cognito_sub = p_user_sub
       FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    IF v_order.status = 'reserved' AND v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'hold-expired' USING DETAIL = 'The hold on this order has expired';
    END IF;
    IF v_order.status <> 'reserved' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = format('Add-ons can change only while the order is reserved (it is %s)', v_order.status);
    END IF;
    SELECT * INTO v_event FROM events WHERE id = v_order.event_id;
    UPDATE products p
       SET available = p.available + op.quantity
      FROM order_products op
     WHERE op.order_id = v_order.id AND p.id = op.product_id AND p.available IS NOT NULL;
    DELETE FROM order_products WHERE order_id = v_order.id;
    PERFORM take_order_products(v_order.id, v_event, p_products);
    PERFORM refresh_order_totals(v_order.id);
    RETURN order_document(v_order.id);
END
$$;
