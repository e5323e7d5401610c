from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import TicketList
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import tickets

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /orders/{order_id}/tickets", role="buyer")
def list_tickets(order_id: str, caller: Caller) -> TicketList:
    """The e-tickets of my paid order"""
    return tickets.list_tickets(caller, order_id)


lambda_handler = lambda_handler_for(app)
