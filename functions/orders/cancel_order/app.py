from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import Order
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /orders/{order_id}/cancel", role="buyer", problems=["invalid-state"])
def cancel_order(order_id: str, caller: Caller) -> Order:
    """Cancel an order"""
    return orders.cancel_order(caller, order_id)


lambda_handler = lambda_handler_for(app)
