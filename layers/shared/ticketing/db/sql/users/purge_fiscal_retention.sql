-- The purge job: a kept fiscal identity whose retain_until has passed (retain_until before p_today) is
-- deleted, and the invoice's copy of the buyer with it (the invoice keeps its numbers, items and totals and
-- names the buyer as anonymised). At most p_limit rows a call, skipping rows another purge holds. Returns
-- {purged, invoices: [{id, document_key, document}]}: the redacted invoices, marked unwritten: the caller
-- rewrites them in S3 (or the invoices' repair sweep does, as for any invoice not written yet).
CREATE OR REPLACE FUNCTION purge_fiscal_retention(p_today date, p_limit int) RETURNS jsonb
    LANGUAGE sql
AS $$
    WITH due AS (
        SELECT order_id FROM fiscal_retention
         WHERE retain_until < p_today
         ORDER BY retain_until, order_id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    ),
    gone AS (
        DELETE FROM fiscal_retention r USING due WHERE r.order_id = due.order_id RETURNING r.order_id
    ),
    redacted AS (
        UPDATE invoices i
           SET document = jsonb_set(i.document, '{buyer}',
                                    jsonb_build_object('name', 'Titular anonimizado', 'cpf', NULL)),
               written_at = NULL
          FROM gone
         WHERE i.order_id = gone.order_id
        RETURNING i.id, i.document_key, i.document
    )
    SELECT jsonb_build_object(
        'purged', (SELECT count(*) FROM gone),
        'invoices', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                  'id', id, 'document_key', document_key, 'document', document))
                                FROM redacted), '[]'::jsonb))
$$;
