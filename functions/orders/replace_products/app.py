from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.orders import ProductsIn
from ticketing.responses import Order
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "PUT /orders/{order_id}/products",
    role="buyer",
    problems=["hold-expired", "invalid-state", "out-of-stock"],
)
def replace_products(order_id: str, body: ProductsIn, caller: Caller) -> Order:
    """Replace add-ons"""
    return orders.replace_products(caller, order_id, body)


lambda_handler = lambda_handler_for(app)
