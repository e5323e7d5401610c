"""PATCH /events/{event_id}: publish, close sales or change details."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.catalog import EventPatch
from ticketing.http import BEARER, install, ok, organizer
from ticketing.observability import api_handler
from ticketing.responses import Event, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.patch(
    "/events/<event_id>",
    summary="Change an event or its status",
    security=BEARER,
    responses=answers(200, Event, 400, 404, 422, role="organizer", conflicts=["invalid-state"]),
)
def update_event(event_id: str, body: EventPatch):
    return ok(catalog.update_event(organizer(app), event_id, body))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
