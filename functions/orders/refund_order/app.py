"""POST /orders/{order_id}/refund: the event's organizer refunds a paid order."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, install, ok, organizer
from ticketing.observability import api_handler
from ticketing.responses import Order, answers
from ticketing.services import refunds

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.post(
    "/orders/<order_id>/refund",
    summary="Refund a paid order (organizer)",
    security=BEARER,
    responses=answers(200, Order, 404, role="organizer", conflicts=["invalid-state"]),
)
def refund_order(order_id: str):
    return ok(refunds.refund_order(organizer(app), order_id))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
