from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.domain.statuses import OrderStatus
from ticketing.http import Cursor, Limit, text_query
from ticketing.responses import OrderPage
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import orders

app = APIGatewayHttpResolver(enable_validation=True)

BuyerEmail = text_query("only the orders of the buyer with this e-mail", max_length=None)


@route(app, "GET /events/{event_id}/orders", role="organizer", problems=[422])
def list_event_orders(
    event_id: str,
    caller: Caller,
    status: OrderStatus | None = None,
    email: BuyerEmail = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> OrderPage:
    """Order desk"""
    return orders.list_event_orders(caller, event_id, status, email, limit, cursor)


lambda_handler = lambda_handler_for(app)
