"""A public route: the signature is the auth. No body model: the signature is checked over the raw bytes
before anything is parsed."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import PaymentNotice
from ticketing.routes import lambda_handler_for, route
from ticketing.services import payments

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /payments/webhook",
    problems=[400, 401, 404, 422],
    description="Body `{payment_id, status: approved|declined|expired}`, signed with header "
    "`X-Signature: sha256=<hex>` = HMAC-SHA256 of the raw body under the shared secret (401 otherwise). "
    "Duplicates and reordering are harmless. Answers `{payment_id, status, order_status}`.",
    notes={401: "Missing or invalid X-Signature (`unauthorized`)", 404: "No such payment (`not-found`)"},
)
def payment_webhook() -> PaymentNotice:
    """Payment provider notice (signed)"""
    raw = app.current_event.decoded_body or ""
    raw_bytes = raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw
    return payments.handle_webhook(raw_bytes, app.current_event.headers.get("X-Signature"))


lambda_handler = lambda_handler_for(app)
