-- The schema: tables, constraints, indexes and seed rows. Nothing else lives in a migration: every SQL
-- function is a file of ../sql/, re-created on every migrate after the migrations (see ../migrate.py).
--
-- Money is integer cents (BRL); times are timestamptz (UTC). A unit price is an int; every sum that grows
-- with a quantity (line and order totals, fees, payment amounts) is a bigint, so no sum can overflow.

-- ---------------------------------------------------------------- users, catalog

CREATE TABLE users (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cognito_sub text UNIQUE,
    email       text NOT NULL UNIQUE,
    name        text NOT NULL,
    cpf         char(11),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organizer_id          uuid NOT NULL REFERENCES users (id),
    name                  text NOT NULL,
    venue                 text NOT NULL,
    description           text,
    starts_at             timestamptz NOT NULL,
    timezone              text NOT NULL DEFAULT 'America/Sao_Paulo',
    status                text NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'on_sale', 'closed', 'cancelled')),
    hold_minutes          int NOT NULL DEFAULT 15 CHECK (hold_minutes BETWEEN 1 AND 1440),
    max_tickets_per_order int NOT NULL DEFAULT 6 CHECK (max_tickets_per_order BETWEEN 1 AND 100),
    service_fee_percent   numeric(5, 2) NOT NULL DEFAULT 0 CHECK (service_fee_percent BETWEEN 0 AND 20),
    max_tickets_per_cpf   int CHECK (max_tickets_per_cpf >= 1),
    max_installments      int NOT NULL DEFAULT 1 CHECK (max_installments BETWEEN 1 AND 12),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_by_status_start ON events (status, starts_at, id);
CREATE INDEX events_by_organizer ON events (organizer_id, starts_at, id);

CREATE TABLE sectors (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id    uuid NOT NULL REFERENCES events (id),
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('seated', 'general')),
    price_cents int NOT NULL CHECK (price_cents >= 0),
    capacity    int NOT NULL CHECK (capacity >= 1),
    half_quota  int NOT NULL CHECK (half_quota >= 0 AND half_quota <= capacity),
    -- half-price places counted toward the quota that are held or sold
    half_taken  int NOT NULL DEFAULT 0 CHECK (half_taken >= 0 AND half_taken <= half_quota),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- how many sector_buckets rows a general sector's places are spread over
    buckets     smallint NOT NULL DEFAULT 1,
    -- whether the sector has price tiers (lotes): a hold skips the tier lookup when it has none
    has_tiers   boolean NOT NULL DEFAULT false,
    UNIQUE (event_id, name)
);
CREATE INDEX sectors_by_event ON sectors (event_id, created_at);

-- A general-admission sector's free places, spread over several rows so buyers do not queue on one.
CREATE TABLE sector_buckets (
    sector_id uuid NOT NULL REFERENCES sectors (id),
    bucket    smallint NOT NULL,
    available int NOT NULL CHECK (available >= 0),
    PRIMARY KEY (sector_id, bucket)
);

-- order_id is the order holding or owning the seat; a seat whose order is expired (even lazily) is free.
CREATE TABLE seats (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sector_id uuid NOT NULL REFERENCES sectors (id),
    row_label text NOT NULL,
    number    int NOT NULL CHECK (number >= 1),
    label     text NOT NULL,
    order_id  uuid,
    UNIQUE (sector_id, label)
);
CREATE INDEX seats_by_order ON seats (order_id) WHERE order_id IS NOT NULL;

-- Lotes: price tiers of a sector. `taken` counts held and sold places of the tier.
CREATE TABLE price_tiers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sector_id   uuid NOT NULL REFERENCES sectors (id),
    position    int NOT NULL,
    name        text NOT NULL,
    price_cents int NOT NULL CHECK (price_cents >= 0),
    quantity    int CHECK (quantity >= 1),
    ends_at     timestamptz,
    taken       int NOT NULL DEFAULT 0 CHECK (taken >= 0 AND (quantity IS NULL OR taken <= quantity)),
    UNIQUE (sector_id, position)
);

CREATE TABLE products (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organizer_id uuid NOT NULL REFERENCES users (id),
    event_id     uuid REFERENCES events (id),
    name         text NOT NULL,
    description  text,
    price_cents  int NOT NULL CHECK (price_cents >= 0),
    stock        int CHECK (stock >= 0),
    -- units not held or sold; NULL = unlimited
    available    int CHECK (available >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_by_event ON products (event_id);
CREATE INDEX products_global_by_organizer ON products (organizer_id) WHERE event_id IS NULL;

-- ---------------------------------------------------------------- orders
CREATE TABLE orders (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id),
    event_id       uuid NOT NULL REFERENCES events (id),
    buyer_cpf      char(11),
    status         text NOT NULL
                   CHECK (status IN ('reserved', 'awaiting_payment', 'paid', 'expired', 'cancelled', 'refunded')),
    expires_at     timestamptz NOT NULL,
    ticket_count   int NOT NULL,
    tickets_cents  bigint NOT NULL,
    products_cents bigint NOT NULL,
    fee_cents      bigint NOT NULL,
    total_cents    bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    paid_at        timestamptz,
    released_at    timestamptz,
    -- the deadline of the hold itself: `expires_at` moves to a pending payment's deadline while the order
    -- awaits payment, and a declined payment puts the order back on this one
    hold_expires_at timestamptz
);
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_by_event ON orders (event_id, created_at DESC, id DESC);
-- Also how a hold finds its event's lapsed holds: few rows, since the job releases them every minute.
CREATE INDEX orders_live_by_expiry ON orders (expires_at) WHERE status IN ('reserved', 'awaiting_payment');

CREATE TABLE order_tickets (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id         uuid NOT NULL REFERENCES orders (id),
    position         int NOT NULL,
    sector_id        uuid NOT NULL REFERENCES sectors (id),
    seat_id          uuid REFERENCES seats (id),
    quantity         int NOT NULL CHECK (quantity >= 1),
    type             text NOT NULL CHECK (type IN ('full', 'half')),
    half_category    text,
    counts_to_quota  boolean NOT NULL DEFAULT false,
    tier_id          uuid REFERENCES price_tiers (id),
    unit_price_cents int NOT NULL,
    unit_fee_cents   int NOT NULL
);
CREATE INDEX order_tickets_by_order ON order_tickets (order_id);

CREATE TABLE order_products (
    order_id         uuid NOT NULL REFERENCES orders (id),
    product_id       uuid NOT NULL REFERENCES products (id),
    quantity         int NOT NULL CHECK (quantity >= 1),
    unit_price_cents int NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX order_products_by_product ON order_products (product_id);

-- Tickets one CPF holds or bought for an event (live and paid orders), for max_tickets_per_cpf.
CREATE TABLE cpf_ticket_counts (
    event_id uuid NOT NULL REFERENCES events (id),
    cpf      char(11) NOT NULL,
    taken    int NOT NULL CHECK (taken >= 0),
    PRIMARY KEY (event_id, cpf)
);

-- Idempotency-Key records, written in the same transaction as the work they remember. `response` is the
-- domain result the work gave (an order, a payment); the HTTP status is the caller's business.
CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL,
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- ---------------------------------------------------------------- payments and the outbox
CREATE TABLE payments (
    id                uuid PRIMARY KEY,
    order_id          uuid NOT NULL REFERENCES orders (id),
    method            text NOT NULL CHECK (method IN ('pix', 'card', 'boleto')),
    status            text NOT NULL
                      CHECK (status IN ('pending', 'approved', 'declined', 'expired', 'refund_due', 'refunded')),
    amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
    installments      int NOT NULL DEFAULT 1 CHECK (installments BETWEEN 1 AND 12),
    installment_cents bigint NOT NULL CHECK (installment_cents > 0),
    -- Of a card only the brand and the last four digits are ever kept (PCI DSS: no PAN, no CVV).
    card_brand        text,
    card_last4        char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
    pix_txid          text UNIQUE CHECK (pix_txid ~ '^[A-Za-z0-9]{1,25}$'),
    pix_copy_paste    text,
    boleto_line       char(47) CHECK (boleto_line ~ '^[0-9]{47}$'),
    boleto_barcode    char(44) CHECK (boleto_barcode ~ '^[0-9]{44}$'),
    due_date          date,
    expires_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    decided_at        timestamptz,
    CHECK (method = 'card' OR (card_brand IS NULL AND card_last4 IS NULL AND installments = 1)),
    CHECK (method = 'pix' OR (pix_txid IS NULL AND pix_copy_paste IS NULL)),
    CHECK (method = 'boleto' OR (boleto_line IS NULL AND boleto_barcode IS NULL AND due_date IS NULL))
);
CREATE INDEX payments_by_order ON payments (order_id, created_at DESC, id DESC);
-- At most one payment of an order may be waiting for the provider.
CREATE UNIQUE INDEX payments_one_pending_per_order ON payments (order_id) WHERE status = 'pending';

-- Messages to send after the commit that decided them (transactional outbox).
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('paid-order', 'email')),
    aggregate_id uuid NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    attempts     int NOT NULL DEFAULT 0,
    last_error   text
);
-- One paid-order message per order, however many approvals arrive.
CREATE UNIQUE INDEX outbox_one_paid_order ON outbox (kind, aggregate_id) WHERE kind = 'paid-order';
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- ---------------------------------------------------------------- reports
-- Seat-map views per sector (the "accesses per sector" of the organizer report), counted in 8 slots per
-- sector so concurrent viewers do not queue on one row.
CREATE TABLE sector_views (
    sector_id uuid NOT NULL REFERENCES sectors (id),
    slot      smallint NOT NULL,
    views     bigint NOT NULL,
    PRIMARY KEY (sector_id, slot)
);

-- ---------------------------------------------------------------- after payment: invoices, e-tickets
-- The next number of each invoice series. Taken with UPDATE ... RETURNING in the transaction that inserts
-- the invoice: the row lock orders the issuers, and a rollback gives the number back (no gap).
CREATE TABLE invoice_series (
    series      int PRIMARY KEY CHECK (series BETWEEN 0 AND 999),
    next_number int NOT NULL DEFAULT 1 CHECK (next_number BETWEEN 1 AND 999999999)
);
INSERT INTO invoice_series (series, next_number) VALUES (1, 1);

-- One invoice per order. `document` is the JSON written to S3 (a rewrite puts the very same bytes back);
-- the *_at columns record which after-commit steps are done, so a redelivery or the repair sweep does only
-- what is missing.
CREATE TABLE invoices (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id                uuid NOT NULL UNIQUE REFERENCES orders (id),
    event_id                uuid NOT NULL REFERENCES events (id),
    series                  int NOT NULL REFERENCES invoice_series (series),
    number                  int NOT NULL,
    access_key              char(44) NOT NULL UNIQUE CHECK (access_key ~ '^[0-9]{44}$'),
    issued_at               timestamptz NOT NULL,
    document_key            text NOT NULL,
    document                jsonb NOT NULL,
    written_at              timestamptz,
    tickets_written_at      timestamptz,
    email_claimed_at        timestamptz,
    emailed_at              timestamptz,
    cancelled_at            timestamptz,
    cancellation_reason     text,
    cancellation_written_at timestamptz,
    UNIQUE (series, number)
);
-- What the repair sweep looks for: an invoice with an after-commit step still to do.
CREATE INDEX invoices_unfinished ON invoices (issued_at)
    WHERE written_at IS NULL OR tickets_written_at IS NULL OR (emailed_at IS NULL AND cancelled_at IS NULL)
       OR (cancelled_at IS NOT NULL AND cancellation_written_at IS NULL);

-- One e-ticket per place: a general-admission line of quantity 3 gives places 1, 2 and 3.
-- `code` is what the QR carries: random, at least 128 bits, made by the application.
CREATE TABLE tickets (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id        uuid NOT NULL REFERENCES orders (id),
    order_ticket_id uuid NOT NULL REFERENCES order_tickets (id),
    place           int NOT NULL CHECK (place >= 1),
    event_id        uuid NOT NULL REFERENCES events (id),
    code            text NOT NULL UNIQUE CHECK (length(code) >= 22),
    created_at      timestamptz NOT NULL DEFAULT now(),
    checked_in_at   timestamptz,
    cancelled_at    timestamptz,
    UNIQUE (order_ticket_id, place)
);
CREATE INDEX tickets_by_order ON tickets (order_id);

-- ---------------------------------------------------------------- event cancellation
-- An event's cancellation: `paid_orders` is how many orders were paid when it was cancelled (the total of
-- refund_progress); no order can become paid afterwards (payments and late approvals are refused).
CREATE TABLE event_cancellations (
    event_id     uuid PRIMARY KEY REFERENCES events (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    paid_orders  int NOT NULL,
    finished_at  timestamptz
);
