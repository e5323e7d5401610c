from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import Order
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import cancellations

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /orders/{order_id}/withdrawal", role="buyer", problems=["invalid-state"])
def withdraw_order(order_id: str, caller: Caller) -> Order:
    """Withdraw from a paid order (within 7 days of payment, at least 48 h before the event)"""
    return cancellations.withdraw(caller, order_id)


lambda_handler = lambda_handler_for(app)
