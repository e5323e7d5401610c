"""GET /orders/{order_id}/tickets: the buyer's e-tickets with pre-signed PDF links."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import TicketList, answers
from ticketing.services import tickets

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.get(
    "/orders/<order_id>/tickets",
    summary="The e-tickets of my paid order",
    security=BEARER,
    responses=answers(200, TicketList, 404, role="buyer"),
)
def list_tickets(order_id: str):
    return ok(tickets.list_tickets(caller(app), order_id))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
