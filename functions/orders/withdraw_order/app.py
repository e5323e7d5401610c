"""POST /orders/{order_id}/withdrawal: the buyer's right of withdrawal (CDC art. 49)."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import Order, answers
from ticketing.services import cancellations

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.post(
    "/orders/<order_id>/withdrawal",
    summary="Withdraw from a paid order (within 7 days of payment, at least 48 h before the event)",
    security=BEARER,
    responses=answers(200, Order, 404, role="buyer", conflicts=["invalid-state"]),
)
def withdraw_order(order_id: str):
    return ok(cancellations.withdraw(caller(app), order_id))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
