from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.catalog import EventIn
from ticketing.responses import Event
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /events", role="organizer", status=201, problems=[404])
def create_event(body: EventIn, caller: Caller) -> Event:
    """Create an event (in draft)"""
    return catalog.create_event(caller, body)


lambda_handler = lambda_handler_for(app)
