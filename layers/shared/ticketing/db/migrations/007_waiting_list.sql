-- Issue 18, the waiting list of a sold-out sector. An offer IS an order in `reserved` for the entry's buyer:
-- its places are held by that order, so they are off public sale and counted once, like any hold.
CREATE TABLE waitlist_entries (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- join order: offers go to the lowest waiting `seq` they fit
    seq           bigserial NOT NULL UNIQUE,
    event_id      uuid NOT NULL REFERENCES events (id),
    sector_id     uuid NOT NULL REFERENCES sectors (id),
    user_id       uuid NOT NULL REFERENCES users (id),
    quantity      int NOT NULL CHECK (quantity >= 1),
    type          text NOT NULL CHECK (type IN ('full', 'half')),
    half_category text,
    counts_to_quota boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'waiting'
                  CHECK (status IN ('waiting', 'offered', 'converted', 'lapsed', 'cancelled')),
    order_id      uuid REFERENCES orders (id),
    joined_at     timestamptz NOT NULL DEFAULT now(),
    offered_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'waiting') = (order_id IS NULL) OR status = 'cancelled')
);
-- One live entry (waiting or offered) per buyer per sector.
CREATE UNIQUE INDEX waitlist_one_live_entry ON waitlist_entries (sector_id, user_id)
    WHERE status IN ('waiting', 'offered');
-- The line of a sector, in join order.
CREATE INDEX waitlist_line ON waitlist_entries (sector_id, seq) WHERE status = 'waiting';
CREATE INDEX waitlist_by_user ON waitlist_entries (user_id, joined_at DESC);
CREATE UNIQUE INDEX waitlist_by_order ON waitlist_entries (order_id) WHERE order_id IS NOT NULL;

-- An offer's order does not count toward the per-account cap on unpaid places (account_hold_counts).
ALTER TABLE orders ADD COLUMN waitlist_offer boolean NOT NULL DEFAULT false;
