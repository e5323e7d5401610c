from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import WaitlistPage
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import waitlist

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /waitlist", role="buyer", body=WaitlistPage)
def list_waitlist(caller: Caller):
    """My waiting-list entries, whatever their status"""
    return waitlist.list_mine(caller)


lambda_handler = lambda_handler_for(app)
