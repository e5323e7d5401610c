"""GET /events/{event_id}/orders: the order desk of the event's organizer."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, install, ok, organizer
from ticketing.observability import api_handler
from ticketing.responses import OrderPage, answers
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.get(
    "/events/<event_id>/orders",
    summary="Order desk",
    security=BEARER,
    responses=answers(200, OrderPage, 404, 422, role="organizer"),
)
def list_event_orders(
    event_id: str,
    status: str | None = None,
    email: str | None = None,
    limit: str | None = None,
    cursor: str | None = None,
):
    return ok(orders.list_event_orders(organizer(app), event_id, status, email, limit, cursor))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
