-- Issue 17, the on-sale waiting room: the event's queue settings. The queue itself (entries, counters) lives
-- in DynamoDB; PostgreSQL keeps what the organizer decided, so the hold can ask "does this event need an
-- admission token?" from the event row it already reads.
ALTER TABLE events
    ADD COLUMN queue_enabled boolean NOT NULL DEFAULT false,
    ADD COLUMN queue_admit_per_minute int CHECK (queue_admit_per_minute BETWEEN 1 AND 100000),
    ADD COLUMN queue_opens_at timestamptz,
    ADD CONSTRAINT events_queue_has_rate CHECK (NOT queue_enabled OR queue_admit_per_minute IS NOT NULL);
