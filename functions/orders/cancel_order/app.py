"""POST /orders/{order_id}/cancel: the buyer cancels a hold."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import Order, answers
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.post(
    "/orders/<order_id>/cancel",
    summary="Cancel an order",
    security=BEARER,
    responses=answers(200, Order, 404, role="buyer", conflicts=["invalid-state"]),
)
def cancel_order(order_id: str):
    return ok(orders.cancel_order(caller(app), order_id))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
