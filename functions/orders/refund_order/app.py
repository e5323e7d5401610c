from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import Order
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import refunds

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /orders/{order_id}/refund", role="organizer", problems=["invalid-state"])
def refund_order(order_id: str, caller: Caller) -> Order:
    """Refund a paid order (organizer)"""
    return refunds.refund_order(caller, order_id)


lambda_handler = lambda_handler_for(app)
