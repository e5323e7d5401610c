"""The API Pix webhook (issue 20). A public route: mutual TLS (in AWS) and the signature are the auth. No body
model: the signature is checked over the raw bytes before anything is parsed."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import PixNotice
from ticketing.routes import lambda_handler_for, route
from ticketing.services import pix_payments

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /payments/pix/webhook/pix",
    body=PixNotice,
    problems=[400, 401, 422],
    description="The PIX provider's notice in the Central Bank's API Pix standard: `{\"pix\": [{endToEndId, "
    "txid, valor, horario, devolucoes?}]}`, signed with `X-Signature: sha256=<hex>` = HMAC-SHA256 of the raw "
    "body under PIX_WEBHOOK_SECRET (401 otherwise). The batch is applied before the answer; each endToEndId "
    "counts once; a PIX of another amount than its charge is devolved and the charge stays payable; an unknown "
    "txid is recorded. Answers `{results: [{endToEndId, outcome}]}`.",
    notes={401: "Missing or invalid X-Signature (`unauthorized`)"},
)
def pix_webhook():
    """API Pix webhook (signed)"""
    raw = app.current_event.decoded_body or ""
    raw_bytes = raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw
    return pix_payments.handle_webhook(raw_bytes, app.current_event.headers.get("X-Signature"))


lambda_handler = lambda_handler_for(app)
