from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.catalog import EventPatch
from ticketing.responses import Event
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "PATCH /events/{event_id}", role="organizer", problems=["invalid-state"])
def update_event(event_id: str, body: EventPatch, caller: Caller) -> Event:
    """Change an event or its status"""
    return catalog.update_event(caller, event_id, body)


lambda_handler = lambda_handler_for(app)
