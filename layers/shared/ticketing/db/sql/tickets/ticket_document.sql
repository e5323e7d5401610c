-- A ticket as the door and its holder see it: a transferred half-price ticket carries its holder's category.
CREATE OR REPLACE FUNCTION ticket_document(p_ticket uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'ticket_id', t.id,
        'event_id', t.event_id,
        'sector', sec.name,
        'seat_label', st.label,
        'type', l.type,
        'half_category', COALESCE(t.holder_half_category, l.half_category),
        'checked_in_at', iso_utc(t.checked_in_at))
      FROM tickets t
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
     WHERE t.id = p_ticket
$$;
