-- Ticket transfers (a ticket changes hands, its code changes with it) and the buyer's rights over their
-- data (LGPD art. 18): anonymised profiles, and the fiscal identity kept apart until its legal deadline.

-- ---------------------------------------------------------------- who holds a ticket
-- holder_id NULL: the order's buyer holds the ticket. Once transferred, holder_id is the person holding it,
-- holder_half_category the category they claimed for a half-price ticket (the door checks their proof),
-- counted_cpf the CPF whose cpf_ticket_counts row counts the ticket (NULL when none does), and
-- last_transfer_id names the ticket's PDF (a new key per transfer: a link to an old PDF never shows the
-- new code).
ALTER TABLE tickets
    ADD COLUMN holder_id            uuid REFERENCES users (id),
    ADD COLUMN holder_half_category text,
    ADD COLUMN counted_cpf          char(11),
    ADD COLUMN last_transfer_id     uuid;
CREATE INDEX tickets_by_holder ON tickets (holder_id) WHERE holder_id IS NOT NULL;

-- One row per transfer: the history the order desk, the report and the data export read.
CREATE TABLE ticket_transfers (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id      uuid NOT NULL REFERENCES tickets (id),
    order_id       uuid NOT NULL REFERENCES orders (id),
    event_id       uuid NOT NULL REFERENCES events (id),
    from_user_id   uuid NOT NULL REFERENCES users (id),
    to_user_id     uuid NOT NULL REFERENCES users (id),
    transferred_at timestamptz NOT NULL DEFAULT now(),
    CHECK (from_user_id <> to_user_id)
);
CREATE INDEX ticket_transfers_by_ticket ON ticket_transfers (ticket_id, transferred_at);
CREATE INDEX ticket_transfers_by_order ON ticket_transfers (order_id);
CREATE INDEX ticket_transfers_by_event ON ticket_transfers (event_id);
CREATE INDEX ticket_transfers_from ON ticket_transfers (from_user_id);
CREATE INDEX ticket_transfers_to ON ticket_transfers (to_user_id);

-- ---------------------------------------------------------------- deleted accounts
-- An anonymised profile keeps its id (the stable pseudonymous id its orders point to); its name, e-mail and
-- CPF are gone and it has no identity-provider account any more.
ALTER TABLE users ADD COLUMN anonymised_at timestamptz;

-- What fiscal law makes us keep of a deleted buyer (CTN arts. 173 and 195: the buyer named on an order's
-- invoice), apart from the anonymised profile, until retain_until; the purge job deletes a row the day its
-- retain_until is reached, and the invoice's copy of the buyer with it.
CREATE TABLE fiscal_retention (
    order_id     uuid PRIMARY KEY REFERENCES orders (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    buyer_name   text NOT NULL,
    buyer_cpf    char(11),
    retain_until date NOT NULL,
    kept_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fiscal_retention_by_deadline ON fiscal_retention (retain_until);

-- The e-mails sent to one address: what the data export lists and an account's deletion redacts.
CREATE INDEX outbox_email_by_recipient ON outbox ((payload ->> 'to')) WHERE kind = 'email';
