"""Brings a database up to date: the schema migrations, then every SQL function, under one advisory lock.

- `migrations/*.sql` hold the schema only (tables, types, constraints, indexes, seed rows). Each is applied
  once, in name order, and recorded in `schema_migrations`.
- `sql/<aggregate>/<function>.sql` hold the SQL functions, one function per file, each written as
  `CREATE OR REPLACE`. They are re-created on every migrate, in the order of FUNCTION_FILES, in one
  transaction that first drops every function the project has in the database: a changed signature or
  return type, or a function that was removed, then needs no hand-written DROP (CREATE OR REPLACE alone
  cannot change those), and no other session ever sees a half-applied set. The schema must therefore
  never depend on a project function (no project function in a default, a CHECK or an index): the DROP
  would refuse, and the migrate would fail loudly.

The same function runs at `make start`, in the tests, and in AWS from the migration custom resource.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
FUNCTIONS_DIR = Path(__file__).with_name("sql")
_LOCK_ID = 7_224_031  # any constant: serialises concurrent migrators

# Creation order. A function written in SQL (LANGUAGE sql) is checked when it is created, so the functions
# it calls come before it; PL/pgSQL bodies are resolved when they run. A test keeps this list and the
# files of sql/ in step.
FUNCTION_FILES = (
    "common/iso_utc.sql",
    "common/brl.sql",
    "pricing/half_price.sql",
    "pricing/service_fee.sql",
    "users/user_by_sub.sql",
    "users/require_buyer_owns.sql",
    "idempotency/claim_idempotency_key.sql",
    "idempotency/remember_idempotency_key.sql",
    "payments/payment_document.sql",
    "orders/order_document.sql",
    "waitlist/waitlist_entry_document.sql",
    "waitlist/sector_places_on_sale.sql",
    "waitlist/pick_offered_seats.sql",
    "waitlist/make_offer_order.sql",
    "waitlist/offer_returned_places.sql",
    "waitlist/offer_free_places.sql",
    "orders/release_orders.sql",
    "orders/release_expired_holds.sql",
    "orders/release_expired_holds_of_event.sql",
    "orders/take_general_places.sql",
    "orders/take_tier_places.sql",
    "orders/take_products.sql",
    "orders/refresh_order_totals.sql",
    "orders/check_hold_limits.sql",
    "orders/take_line_place.sql",
    "orders/price_ticket_line.sql",
    "orders/hold_order.sql",
    "orders/buyer_order.sql",
    "orders/lock_buyer_order.sql",
    "orders/cancel_order.sql",
    "orders/replace_order_products.sql",
    "orders/queue_order_email.sql",
    "payments/mark_order_paid.sql",
    "payments/request_pix_devolution.sql",
    "payments/refund_payment_money.sql",
    "payments/apply_pix_devolution_status.sql",
    "payments/mark_refund_due.sql",
    "payments/retake_order_places.sql",
    "payments/boleto_refusal.sql",
    "payments/start_payment.sql",
    "payments/settle_payment.sql",
    "payments/receive_pix.sql",
    "invoices/lock_order_for_invoice.sql",
    "tickets/create_order_tickets.sql",
    "tickets/ticket_document.sql",
    "tickets/check_in_ticket.sql",
    "tickets/transfer_ticket.sql",
    "refunds/refund_order.sql",
    "refunds/refund_order_by_organizer.sql",
    "refunds/withdraw_order.sql",
    "events/cancel_event.sql",
    "events/refund_cancelled_events.sql",
    "events/refund_progress.sql",
    "users/delete_account.sql",
    "users/purge_fiscal_retention.sql",
    "waitlist/join_waitlist.sql",
    "waitlist/leave_waitlist.sql",
)

# Every function and procedure of the public schema that no extension owns: the project's own.
_DROP_PROJECT_FUNCTIONS = """
DO $$
DECLARE
    v_routines text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO v_routines
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e');
    IF v_routines IS NOT NULL THEN
        EXECUTE 'DROP ROUTINE ' || v_routines;
    END IF;
END
$$
"""


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("*.sql"))


def function_files() -> list[Path]:
    return [FUNCTIONS_DIR / name for name in FUNCTION_FILES]


def _apply_schema(conn: psycopg.Connection) -> list[str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations").fetchall()}
    applied_now: list[str] = []
    for path in migration_files():
        if path.name in done:
            continue
        with conn.transaction():
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))
        applied_now.append(path.name)
    return applied_now


def _apply_functions(conn: psycopg.Connection) -> int:
    with conn.transaction():
        conn.execute(_DROP_PROJECT_FUNCTIONS)
        for path in function_files():
            conn.execute(path.read_text(encoding="utf-8"))
    return len(FUNCTION_FILES)


def apply_migrations(conn: psycopg.Connection) -> list[str]:
    """Apply pending migrations, then re-create every SQL function, on an open connection.

    Returns the names of the migrations applied now (the functions are re-created every time)."""
    conn.autocommit = True
    # This session is the deploy's own, closed right after: it may pin its proxy connection (session lock,
    # SET, large function bodies). The role's time-outs are for the functions, not for a schema change.
    conn.execute("SET statement_timeout = 0")
    conn.execute("SET lock_timeout = 0")
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
    try:
        applied_now = _apply_schema(conn)
        _apply_functions(conn)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied_now


MIGRATE_APPLICATION_NAME = "ticketing-migrate"  # tells its statements from the functions' in the logs


def apply_migrations_at(conninfo: str, **kwargs: object) -> list[str]:
    kwargs.setdefault("application_name", MIGRATE_APPLICATION_NAME)
    with psycopg.connect(conninfo, **kwargs) as conn:
        return apply_migrations(conn)
