-- Users, catalog and orders. Money is integer cents (BRL); times are timestamptz (UTC).

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

CREATE TABLE orders (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id),
    event_id       uuid NOT NULL REFERENCES events (id),
    buyer_cpf      char(11),
    status         text NOT NULL
                   CHECK (status IN ('reserved', 'awaiting_payment', 'paid', 'expired', 'cancelled', 'refunded')),
    expires_at     timestamptz NOT NULL,
    ticket_count   int NOT NULL,
    tickets_cents  int NOT NULL,
    products_cents int NOT NULL,
    fee_cents      int NOT NULL,
    total_cents    int NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    paid_at        timestamptz,
    released_at    timestamptz
);
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_by_event ON orders (event_id, created_at DESC, id DESC);
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
CREATE INDEX order_tickets_by_sector ON order_tickets (sector_id);

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

-- Idempotency-Key records, written in the same transaction as the work they remember.
CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL,
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status_code  int NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
