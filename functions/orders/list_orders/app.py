from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.http import Cursor, Limit
from ticketing.responses import OrderPage
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /orders", role="buyer", problems=[422])
def list_orders(caller: Caller, limit: Limit = None, cursor: Cursor = None) -> OrderPage:
    """My orders"""
    return orders.list_orders(caller, limit, cursor)


lambda_handler = lambda_handler_for(app)
