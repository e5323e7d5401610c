from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import HeldTicketList
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import tickets

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /tickets", role="buyer")
def list_held_tickets(caller: Caller) -> HeldTicketList:
    """Every ticket I hold now, bought or received"""
    return tickets.held_tickets(caller)


lambda_handler = lambda_handler_for(app)
