from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.after_payment import TransferIn
from ticketing.responses import TransferredTicket
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import tickets

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /tickets/{ticket_id}/transfer", role="buyer", problems=["invalid-state", "limit-exceeded"])
def transfer_ticket(ticket_id: str, body: TransferIn, caller: Caller) -> TransferredTicket:
    """Transfer a ticket I hold to another account (a new code only they see)"""
    return tickets.transfer_ticket(caller, ticket_id, body)


lambda_handler = lambda_handler_for(app)
