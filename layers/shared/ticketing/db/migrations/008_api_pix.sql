-- API Pix (issue 20): charges at the provider (txid 26-35 characters, a location), PIX received through its
-- webhook (each endToEndId once), devolutions that give PIX money back, and boleto híbrido (a boleto that
-- also carries a PIX charge with a due date).

-- ---------------------------------------------------------------- payments
-- The old check allowed only the 25-character txid of a static BR Code; API Pix txids have 26 to 35.
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_pix_txid_check;
ALTER TABLE payments ADD CONSTRAINT payments_pix_txid_check CHECK (pix_txid ~ '^[A-Za-z0-9]{1,35}$');
-- A boleto now carries a PIX charge too (boleto híbrido): PIX fields are no longer pix-only.
DO $$
DECLARE
    v_name text;
BEGIN
    SELECT conname INTO v_name FROM pg_constraint
     WHERE conrelid = 'payments'::regclass AND contype = 'c'
       AND pg_get_constraintdef(oid) LIKE '%pix_txid IS NULL%pix_copy_paste IS NULL%';
    IF v_name IS NOT NULL THEN
        EXECUTE format('ALTER TABLE payments DROP CONSTRAINT %I', v_name);
    END IF;
END
$$;
ALTER TABLE payments
    ADD CONSTRAINT payments_pix_only_pix_or_boleto
        CHECK (method IN ('pix', 'boleto') OR (pix_txid IS NULL AND pix_copy_paste IS NULL)),
    ADD COLUMN pix_location text,
    -- The PIX that paid it (its money is what a devolution gives back).
    ADD COLUMN pix_e2eid    text UNIQUE CHECK (pix_e2eid ~ '^[A-Za-z0-9]{32}$'),
    -- How a boleto híbrido was paid: 'boleto' or 'pix' (NULL until paid, and for other methods).
    ADD COLUMN paid_with    text CHECK (paid_with IN ('boleto', 'pix'));

-- ---------------------------------------------------------------- PIX received
-- Every PIX the provider notified, once per endToEndId (the primary key): what it paid, or why not.
CREATE TABLE pix_received (
    e2eid       text PRIMARY KEY CHECK (e2eid ~ '^[A-Za-z0-9]{32}$'),
    txid        text,
    valor_cents bigint NOT NULL CHECK (valor_cents > 0),
    paid_at     timestamptz NOT NULL,
    payment_id  uuid REFERENCES payments (id),
    -- applied: it settled its payment (approved, refund_due...); amount-mismatch and extra: devolved on its
    -- own; unknown-txid: recorded only.
    outcome     text NOT NULL CHECK (outcome IN ('applied', 'amount-mismatch', 'extra', 'unknown-txid')),
    document    jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pix_received_by_payment ON pix_received (payment_id) WHERE payment_id IS NOT NULL;

-- ---------------------------------------------------------------- devolutions
-- A devolution at the provider. Its id is derived from what it refunds ('D' + the payment's id for a
-- payment's refund, 'M' + the endToEndId for a PIX that could not pay), so a retry names the same
-- devolution and the provider never pays twice. accepted_at: when the provider took the request (NULL
-- while it was unreachable: the outbox publisher retries).
CREATE TABLE pix_devolutions (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9]{1,35}$'),
    e2eid       text NOT NULL,
    payment_id  uuid REFERENCES payments (id),
    valor_cents bigint NOT NULL CHECK (valor_cents > 0),
    reason      text NOT NULL,
    status      text NOT NULL DEFAULT 'EM_PROCESSAMENTO'
                CHECK (status IN ('EM_PROCESSAMENTO', 'DEVOLVIDO', 'NAO_REALIZADO')),
    rtr_id      text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    accepted_at  timestamptz,
    finished_at  timestamptz,
    attempts     int NOT NULL DEFAULT 0,
    last_error   text
);
CREATE UNIQUE INDEX pix_devolutions_one_per_payment ON pix_devolutions (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX pix_devolutions_in_progress ON pix_devolutions (requested_at) WHERE status = 'EM_PROCESSAMENTO';

-- Devolution requests travel through the outbox (sent after the commit, retried by the scheduled publisher).
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('paid-order', 'email', 'pix-devolution'));
-- One request message per devolution.
CREATE UNIQUE INDEX outbox_one_pix_devolution ON outbox ((payload ->> 'devolution_id')) WHERE kind = 'pix-devolution';
