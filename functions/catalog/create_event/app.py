"""POST /events: an organizer creates an event (draft)."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.catalog import EventIn
from ticketing.http import BEARER, created, install, organizer
from ticketing.observability import api_handler
from ticketing.responses import Event, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.post(
    "/events",
    summary="Create an event (in draft)",
    security=BEARER,
    responses=answers(201, Event, 400, 404, 422, role="organizer"),
)
def create_event(body: EventIn):
    return created(catalog.create_event(organizer(app), body))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
