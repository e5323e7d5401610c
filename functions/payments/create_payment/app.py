"""POST /orders/{order_id}/payments: pay a reserved order by card, PIX or boleto."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.payments import PaymentIn
from ticketing.http import BEARER, IdempotencyKey, caller, install
from ticketing.observability import api_handler
from ticketing.responses import Payment, answers
from ticketing.services import payments

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.post(
    "/orders/<order_id>/payments",
    summary="Pay an order",
    security=BEARER,
    responses=answers(
        201,
        Payment,
        400,
        404,
        422,
        role="buyer",
        conflicts=["invalid-state", "idempotency-conflict", "idempotency-in-progress"],
        description="The payment: a card is approved or declined at once, PIX and boleto are pending",
    ),
)
def create_payment(order_id: str, body: PaymentIn, idempotency_key: IdempotencyKey = None):
    status, payment = payments.create_payment(caller(app), order_id, body, idempotency_key)
    return Response(status_code=status, content_type="application/json", body=payment)


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
