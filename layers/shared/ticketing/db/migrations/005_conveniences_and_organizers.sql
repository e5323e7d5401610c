-- Contract v2 "Organizer and buyer conveniences" and "Admin and organizers".
--
-- Events gain a city and an image (contract v2 "Organizer and buyer conveniences"), and GET /events?q=&city=
-- finds them. The search keys are generated columns folded to lower case without accents (translate and
-- lower are immutable built-ins, so no project function sits in the schema): "São Paulo" matches "sao paulo".
-- The same folding is applied to what a client asks for (ticketing.db.catalog.FOLD).
-- pg_trgm lives in a schema of its own: the public schema holds only the project's functions.
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA extensions;

ALTER TABLE events
    ADD COLUMN city      text CHECK (length(city) BETWEEN 1 AND 100),
    ADD COLUMN image_url text CHECK (length(image_url) <= 2000),
    ADD COLUMN city_key  text GENERATED ALWAYS AS (
        lower(translate(city,
            'ÁÀÂÃÄÅáàâãäåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÕÖóòôõöÚÙÛÜúùûüÇçÑñ',
            'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuCcNn'))) STORED,
    ADD COLUMN search_key text GENERATED ALWAYS AS (
        lower(translate(name || ' ' || venue,
            'ÁÀÂÃÄÅáàâãäåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÕÖóòôõöÚÙÛÜúùûüÇçÑñ',
            'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuCcNn'))) STORED;

-- ?city= keeps the listing's order (status, starts_at, id) within one city.
CREATE INDEX events_by_city ON events (status, city_key, starts_at, id);
-- ?q= is a substring of name or venue: a trigram index serves LIKE '%...%'.
CREATE INDEX events_search_trigrams ON events USING gin (search_key extensions.gin_trgm_ops);

-- Organizers appointed by an admin (POST /organizers): the Cognito group `organizer` gives the role in
-- tokens; this column decides "newly appointed" (201) against "already one" (200) in one conditional
-- UPDATE, and orders GET /organizers.
ALTER TABLE users ADD COLUMN organizer_since timestamptz;
CREATE INDEX users_organizers ON users (organizer_since, id) WHERE organizer_since IS NOT NULL;
