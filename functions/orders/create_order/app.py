"""POST /orders: hold tickets and add-ons, all or nothing."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.orders import OrderIn
from ticketing.http import BEARER, caller, header, install
from ticketing.observability import api_handler
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.post("/orders", summary="Hold tickets and add-ons", security=BEARER)
def create_order(body: OrderIn):
    status, order = orders.hold_order(caller(app), body, header(app, "Idempotency-Key"))
    return Response(status_code=status, content_type="application/json", body=order)


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
