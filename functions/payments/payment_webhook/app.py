"""POST /payments/webhook: the payment provider's signed notice (public route; the signature is the auth)."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import header, install, ok
from ticketing.observability import api_handler
from ticketing.responses import PaymentNotice, answers
from ticketing.services import payments

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


# No body model: the signature is checked over the raw bytes before anything is parsed.
@app.post(
    "/payments/webhook",
    summary="Payment provider notice (signed)",
    description=(
        "Body `{payment_id, status: approved|declined|expired}`, signed with header "
        "`X-Signature: sha256=<hex>` = HMAC-SHA256 of the raw body under the shared secret (401 otherwise). "
        "Duplicates and reordering are harmless. Answers `{payment_id, status, order_status}`."
    ),
    responses=answers(
        200,
        PaymentNotice,
        400,
        401,
        404,
        422,
        notes={
            401: "Missing or invalid X-Signature (`unauthorized`)",
            404: "No such payment (`not-found`)",
        },
    ),
)
def payment_webhook():
    event = app.current_event
    raw = event.decoded_body or ""
    raw_bytes = raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw
    return ok(payments.handle_webhook(raw_bytes, header(app, "X-Signature")))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
