"""GET /events: events on sale (or ?status=), soonest first."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import install, ok, optional_caller
from ticketing.observability import api_handler
from ticketing.responses import EventPage, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.get("/events", summary="List events", responses=answers(200, EventPage, 422))
def list_events(status: str | None = None, limit: str | None = None, cursor: str | None = None):
    return ok(catalog.list_events(status, limit, cursor, optional_caller(app)))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
