"""GET /events/{event_id}: an event with its sectors and live availability."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import install, ok, optional_caller
from ticketing.observability import api_handler
from ticketing.responses import Event, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.get("/events/<event_id>", summary="An event with its sectors", responses=answers(200, Event, 404))
def get_event(event_id: str):
    return ok(catalog.get_event(event_id, optional_caller(app)))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
