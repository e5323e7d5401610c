"""GET /orders: my orders, newest first."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import OrderPage, answers
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.get(
    "/orders", summary="My orders", security=BEARER, responses=answers(200, OrderPage, 422, role="buyer")
)
def list_orders(limit: str | None = None, cursor: str | None = None):
    return ok(orders.list_orders(caller(app), limit, cursor))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
