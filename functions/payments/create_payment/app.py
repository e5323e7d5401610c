from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.payments import PaymentIn
from ticketing.http import IdempotencyKey
from ticketing.responses import Payment
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import payments

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /orders/{order_id}/payments",
    role="buyer",
    status=201,
    problems=["invalid-state", "idempotency-conflict", "idempotency-in-progress"],
    success_description="The payment: a card is approved or declined at once, PIX and boleto are pending",
)
def create_payment(
    order_id: str, body: PaymentIn, caller: Caller, idempotency_key: IdempotencyKey = None
) -> Payment:
    """Pay an order"""
    return payments.create_payment(caller, order_id, body, idempotency_key).payment


lambda_handler = lambda_handler_for(app)
