from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

from ticketing.responses import QueueEntry
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import waiting_room

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /events/{event_id}/queue",
    role="buyer",
    status=201,
    problems=[200, "invalid-state"],
    success_description="The new entry in the event's waiting room",
    notes={
        200: "The caller's entry, already in the queue (one entry per account)",
        404: "No such event (`not-found`)",
    },
)
def join_queue(event_id: str, caller: Caller) -> QueueEntry:
    """Join an event's waiting room"""
    joined = waiting_room.join(caller, event_id)
    if joined.created:
        return joined.entry
    return Response(200, content_types.APPLICATION_JSON, joined.entry)


lambda_handler = lambda_handler_for(app)
