from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import Event
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /events/{event_id}")
def get_event(event_id: str, caller: Caller | None) -> Event:
    """An event with its sectors"""
    return catalog.get_event(event_id, caller)


lambda_handler = lambda_handler_for(app)
