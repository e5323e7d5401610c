-- POST /tickets/{id}/transfer: the ticket changes hands, and its code with it (the old code stops checking
-- in the moment this commits). One statement decides, in the contract's order: 404 a ticket the caller does
-- not hold, 422 a half-price ticket without the recipient's category, 404 an unknown recipient, 409
-- invalid-state (refunded, checked in, cancelled event, less than 2 h before it), 409 limit-exceeded (the
-- recipient's max_tickets_per_cpf).
--
-- Locks: the order (shared, so a refund of it waits or goes first), then the ticket (two transfers of it
-- queue; the second finds it held by someone else: 404), then the recipient's profile (shared: a deletion
-- of their account waits or goes first), then the two CPF counters in CPF order. The ticket moves from the
-- counter that counted it (the buyer's CPF, or the last recipient's) to the recipient's, whose conditional
-- upsert is the same one a hold makes: 50 transfers at once cannot pass the limit.
CREATE OR REPLACE FUNCTION transfer_ticket(
    p_ticket uuid, p_sub text, p_email text, p_half_category text, p_code text
) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_caller users%ROWTYPE;
    v_recipient users%ROWTYPE;
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
    v_ticket tickets%ROWTYPE;
    v_type text;
    v_from_cpf char(11);
    v_to_cpf char(11);
    v_transfer uuid := gen_random_uuid();
    v_cpf char(11);
BEGIN
    SELECT * INTO v_caller FROM users WHERE cognito_sub = p_sub AND anonymised_at IS NULL;
    SELECT * INTO v_order FROM orders WHERE id = (SELECT order_id FROM tickets WHERE id = p_ticket) FOR SHARE;
    SELECT * INTO v_ticket FROM tickets WHERE id = p_ticket FOR UPDATE;
    IF v_caller.id IS NULL OR v_ticket.id IS NULL OR COALESCE(v_ticket.holder_id, v_order.user_id) <> v_caller.id THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'You hold no ticket with this id';
    END IF;
    SELECT type INTO v_type FROM order_tickets WHERE id = v_ticket.order_ticket_id;
    IF v_type = 'half' AND p_half_category IS NULL THEN
        RAISE EXCEPTION 'validation' USING
            DETAIL = 'a half-price ticket needs the half-price category the recipient will prove at the door',
            HINT = 'half_category';
    END IF;
    SELECT * INTO v_recipient FROM users WHERE email = p_email AND anonymised_at IS NULL FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No account with this e-mail';
    END IF;
    IF v_recipient.id = v_caller.id THEN
        RAISE EXCEPTION 'validation' USING DETAIL = 'this ticket is already yours', HINT = 'email';
    END IF;
    SELECT * INTO v_event FROM events WHERE id = v_ticket.event_id;
    IF v_order.status <> 'paid' OR v_ticket.cancelled_at IS NOT NULL THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'This ticket was refunded';
    END IF;
    IF v_ticket.checked_in_at IS NOT NULL THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'This ticket was already checked in';
    END IF;
    IF v_event.status = 'cancelled' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'This event was cancelled';
    END IF;
    IF v_event.starts_at - interval '2 hours' <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'Tickets can be transferred until 2 hours before the event';
    END IF;

    -- The CPF counters: from the one that counts the ticket now to the recipient's, in CPF order.
    v_from_cpf := CASE WHEN v_ticket.holder_id IS NULL THEN v_order.buyer_cpf ELSE v_ticket.counted_cpf END;
    v_to_cpf := CASE WHEN v_event.max_tickets_per_cpf IS NOT NULL THEN v_recipient.cpf END;
    FOR v_cpf IN SELECT c FROM unnest(ARRAY[v_from_cpf, v_to_cpf]) c WHERE c IS NOT NULL ORDER BY c LOOP
        IF v_cpf = v_to_cpf THEN
            INSERT INTO cpf_ticket_counts AS c (event_id, cpf, taken)
            VALUES (v_event.id, v_to_cpf, 1)
            ON CONFLICT (event_id, cpf) DO UPDATE
               SET taken = c.taken + 1
             WHERE c.taken + 1 <= v_event.max_tickets_per_cpf;
            IF NOT FOUND OR v_event.max_tickets_per_cpf < 1 THEN
                RAISE EXCEPTION 'limit-exceeded' USING DETAIL = format(
                    'The recipient would hold more than %s tickets for this event', v_event.max_tickets_per_cpf);
            END IF;
        END IF;
        IF v_cpf = v_from_cpf THEN
            UPDATE cpf_ticket_counts SET taken = taken - 1
             WHERE event_id = v_event.id AND cpf = v_from_cpf AND taken > 0;
        END IF;
    END LOOP;

    UPDATE tickets
       SET holder_id = v_recipient.id,
           holder_half_category = CASE WHEN v_type = 'half' THEN p_half_category END,
           counted_cpf = v_to_cpf,
           code = p_code,
           last_transfer_id = v_transfer
     WHERE id = p_ticket;
    INSERT INTO ticket_transfers (id, ticket_id, order_id, event_id, from_user_id, to_user_id)
    VALUES (v_transfer, p_ticket, v_order.id, v_event.id, v_caller.id, v_recipient.id);

    INSERT INTO outbox (kind, aggregate_id, payload)
    VALUES ('email', p_ticket, jsonb_build_object(
                'purpose', 'ticket-transferred-away', 'to', v_caller.email,
                'subject', format('Você transferiu um ingresso de %s', v_event.name),
                'text', format(E'Olá, %s.\n\nVocê transferiu um ingresso de %s para %s. O código antigo não vale '
                               || E'mais na entrada; o pedido e a nota fiscal continuam com você.\n',
                               v_caller.name, v_event.name, v_recipient.email))),
           ('email', p_ticket, jsonb_build_object(
                'purpose', 'ticket-received', 'to', v_recipient.email,
                'subject', format('Você recebeu um ingresso de %s', v_event.name),
                'text', format(E'Olá, %s.\n\n%s transferiu para você um ingresso de %s. Ele está em "Meus '
                               || E'ingressos", com o QR code e o PDF.\n',
                               v_recipient.name, v_caller.name, v_event.name)));

    RETURN ticket_document(p_ticket) || jsonb_build_object(
        'order_id', v_order.id, 'transfer_id', v_transfer, 'holder_email', v_recipient.email,
        'transferred_at', iso_utc(now()));
END
$$;
