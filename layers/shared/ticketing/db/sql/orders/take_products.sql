-- Take the add-ons of a hold or of a change of add-ons (sorted by id by the caller, so concurrent takers
-- lock in one order): check each belongs to the event or is one of its organizer's global add-ons, take
-- its stock when it has one, and give back what was taken at which price; or raise.
CREATE OR REPLACE FUNCTION take_products(p_event events, p_products jsonb)
    RETURNS TABLE (product_id uuid, name text, quantity int, unit_price_cents int)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_item jsonb;
    v_product record;
BEGIN
    FOR v_item IN SELECT value FROM jsonb_array_elements(COALESCE(p_products, '[]'::jsonb))
    LOOP
        quantity := (v_item ->> 'quantity')::int;
        SELECT p.id, p.name, p.price_cents, p.available INTO v_product FROM products p
         WHERE p.id = (v_item ->> 'product_id')::uuid
           AND (p.event_id = p_event.id OR (p.event_id IS NULL AND p.organizer_id = p_event.organizer_id));
        IF NOT FOUND THEN
            RAISE EXCEPTION 'validation' USING DETAIL = 'No such add-on for this event',
                HINT = format('products[%s].product_id', v_item ->> 'index');
        END IF;
        IF v_product.available IS NOT NULL THEN
            UPDATE products p SET available = p.available - quantity
             WHERE p.id = v_product.id AND p.available >= quantity;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'out-of-stock' USING DETAIL = 'Not enough of this add-on left',
                    HINT = format('products[%s].product_id', v_item ->> 'index');
            END IF;
        END IF;
        product_id := v_product.id;
        name := v_product.name;
        unit_price_cents := v_product.price_cents;
        RETURN NEXT;
    END LOOP;
END
$$;
