from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import QueueEntry
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import waiting_room

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /events/{event_id}/queue/{entry_id}", role="buyer")
def get_queue_entry(event_id: str, entry_id: str, caller: Caller) -> QueueEntry:
    """My place in the waiting room (and the admission token once admitted)"""
    return waiting_room.get_entry(caller, event_id, entry_id)


lambda_handler = lambda_handler_for(app)
