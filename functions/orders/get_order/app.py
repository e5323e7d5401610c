from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import Order
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /orders/{order_id}", role="buyer")
def get_order(order_id: str, caller: Caller) -> Order:
    """An order"""
    return orders.get_order(caller, order_id)


lambda_handler = lambda_handler_for(app)
