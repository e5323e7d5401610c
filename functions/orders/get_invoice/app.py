"""GET /orders/{order_id}/invoice: number, access key, time and a pre-signed link to the invoice JSON."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import Invoice, answers
from ticketing.services import invoices

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.get(
    "/orders/<order_id>/invoice",
    summary="The invoice of a paid order (404 until issued)",
    security=BEARER,
    responses=answers(200, Invoice, 404, role="buyer"),
)
def get_invoice(order_id: str):
    return ok(invoices.get_invoice(caller(app), order_id))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
