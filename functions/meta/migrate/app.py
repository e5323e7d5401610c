"""CloudFormation custom resource (Custom::Migrations): on Create and Update, applies the schema migrations and
re-creates every SQL function of the shared layer (ticketing.db.migrate).

Delete does nothing (the data outlives the resource). Every outcome, errors included, is PUT to the
pre-signed ResponseURL, so a failure shows as FAILED in the stack instead of an hour-long hang.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import psycopg

from ticketing.config import settings
from ticketing.db import IamAuthConnection
from ticketing.db.migrate import (
    FUNCTION_FILES,
    MIGRATE_APPLICATION_NAME,
    apply_migrations,
    apply_migrations_at,
)
from ticketing.observability import logger

_RETRY_MARGIN_MS = 30_000  # stop retrying while there is still time to answer CloudFormation


def _apply() -> list[str]:
    cfg = settings()
    if not cfg.db_iam_auth:
        return apply_migrations_at(
            cfg.database_url or "", connect_timeout=max(1, int(cfg.db_connect_timeout))
        )
    # RDS Proxy: TLS required, an IAM token as the password, no server-side prepared statements.
    with IamAuthConnection.connect(
        host=cfg.db_host,
        port=cfg.db_port,
        dbname=cfg.db_name,
        user=cfg.db_user,
        sslmode="require",
        connect_timeout=max(1, int(cfg.db_connect_timeout)),
        prepare_threshold=None,
        application_name=MIGRATE_APPLICATION_NAME,
    ) as conn:
        return apply_migrations(conn)


def _apply_with_retries(context: Any) -> list[str]:
    """A proxy target registered moments ago may refuse the first connections: retry while time allows."""
    while True:
        try:
            return _apply()
        except psycopg.OperationalError:
            if context.get_remaining_time_in_millis() < _RETRY_MARGIN_MS:
                raise
            time.sleep(5)


def _respond(event: dict, context: Any, status: str, reason: str, data: dict) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": f"{reason} (log stream {getattr(context, 'log_stream_name', '?')})"[:3000],
            "PhysicalResourceId": event.get("PhysicalResourceId") or "ticketing-migrations",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's pre-signed https URL
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
    except OSError:  # the stack then fails at ServiceTimeout; nothing else can be done from here
        logger.exception("could not answer CloudFormation")


def lambda_handler(event: dict, context: Any) -> dict:
    logger.info("custom resource request", extra={"request_type": event.get("RequestType")})
    status, reason, data = "SUCCESS", "nothing to do", {"applied": []}
    try:
        if event["RequestType"] in ("Create", "Update"):
            data["applied"] = _apply_with_retries(context)
            reason = f"applied {len(data['applied'])} migration(s), re-created {len(FUNCTION_FILES)} SQL function(s)"
    except Exception as exc:  # every failure must still answer CloudFormation
        logger.exception("migrations failed")
        status, reason = "FAILED", f"{type(exc).__name__}: {exc}"
    logger.info("answering CloudFormation", extra={"status": status, "reason": reason, "data": data})
    _respond(event, context, status, reason, data)
    return {"Status": status, "Data": data}
