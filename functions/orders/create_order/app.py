"""POST /orders: hold tickets and add-ons, all or nothing."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.orders import OrderIn
from ticketing.http import BEARER, IdempotencyKey, caller, install
from ticketing.observability import api_handler
from ticketing.responses import Order, answers
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.post(
    "/orders",
    summary="Hold tickets and add-ons",
    security=BEARER,
    responses=answers(
        201,
        Order,
        400,
        403,
        404,
        422,
        role="buyer",
        conflicts=[
            "seat-unavailable",
            "sold-out",
            "out-of-stock",
            "limit-exceeded",
            "invalid-state",
            "idempotency-conflict",
            "idempotency-in-progress",
        ],
        description="The order, reserved (a repeat with the same Idempotency-Key answers the first order)",
        notes={
            403: "The account has no buyer profile (`forbidden`)",
            404: "No event on sale with this id (`not-found`)",
        },
    ),
)
def create_order(body: OrderIn, idempotency_key: IdempotencyKey = None):
    status, order = orders.hold_order(caller(app), body, idempotency_key)
    return Response(status_code=status, content_type="application/json", body=order)


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
