-- Time limits for the application's sessions, carried by the database role in this database: behind RDS
-- Proxy a session may not SET them (SET pins the session to one client) and the proxy refuses libpq
-- start-up `options`. They apply to every new session of the role; the migration's own session lifts them.
-- statement_timeout stays under the functions' 10 s Lambda time-out, so a stuck statement ends as a 503
-- instead of a killed function; lock_timeout turns a long lock wait into a 503 too; an idle transaction
-- (none is expected: every statement is one autocommit transaction) cannot keep its locks.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L',
                   current_user, current_database(), '8s');
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET lock_timeout = %L',
                   current_user, current_database(), '5s');
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_user, current_database(), '30s');
END
$$;
