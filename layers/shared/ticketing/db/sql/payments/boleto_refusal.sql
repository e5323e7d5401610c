-- Why a boleto may not pay an order of this event now, or NULL (issue 14): a boleto holds places for days,
-- so it is refused when the event starts in less than 3 days or while its waiting room is enabled.
CREATE OR REPLACE FUNCTION boleto_refusal(p_event uuid) RETURNS text
    LANGUAGE sql STABLE
AS $$
    SELECT CASE
               WHEN e.starts_at - now() < interval '3 days'
               THEN 'Boleto is not accepted when the event starts in less than 3 days; pay by card or PIX'
               -- A boleto would hold places for days during a queued on-sale (issue 17).
               WHEN e.queue_enabled
               THEN 'Boleto is not accepted while the event''s waiting room is enabled; pay by card or PIX'
           END
      FROM events e
     WHERE e.id = p_event
$$;
