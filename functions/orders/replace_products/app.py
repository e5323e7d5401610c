"""PUT /orders/{order_id}/products: replace the add-ons of a reserved order."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.orders import ProductsIn
from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import Order, answers
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.put(
    "/orders/<order_id>/products",
    summary="Replace add-ons",
    security=BEARER,
    responses=answers(
        200, Order, 400, 404, 422, role="buyer", conflicts=["hold-expired", "invalid-state", "out-of-stock"]
    ),
)
def replace_products(order_id: str, body: ProductsIn):
    return ok(orders.replace_products(caller(app), order_id, body))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
