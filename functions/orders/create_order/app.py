from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.orders import OrderIn
from ticketing.http import AdmissionToken, IdempotencyKey
from ticketing.responses import Order
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /orders",
    role="buyer",
    status=201,
    problems=[
        403,
        404,
        "seat-unavailable",
        "sold-out",
        "out-of-stock",
        "limit-exceeded",
        "invalid-state",
        "idempotency-conflict",
        "idempotency-in-progress",
    ],
    success_description="The order, reserved (a repeat with the same Idempotency-Key answers the first order)",
    notes={
        403: "The account has no buyer profile (`forbidden`), or the event's waiting room is enabled and "
        "X-Admission-Token is missing, invalid, expired, or another buyer's or event's (`admission-required`)",
        404: "No event on sale with this id (`not-found`)",
    },
)
def create_order(
    body: OrderIn,
    caller: Caller,
    idempotency_key: IdempotencyKey = None,
    admission_token: AdmissionToken = None,
) -> Order:
    """Hold tickets and add-ons"""
    return orders.hold_order(caller, body, idempotency_key, admission_token).order


lambda_handler = lambda_handler_for(app)
