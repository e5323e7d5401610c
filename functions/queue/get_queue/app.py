from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import QueueFigures
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import waiting_room

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /events/{event_id}/queue", role="organizer")
def get_queue(event_id: str, caller: Caller) -> QueueFigures:
    """The waiting room's figures for its organizer"""
    return waiting_room.figures(caller, event_id)


lambda_handler = lambda_handler_for(app)
