"""GET /events/{event_id}/sectors/{sector_id}/seats: the seat map."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import install, ok, optional_caller
from ticketing.observability import api_handler
from ticketing.responses import SeatMap, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.get(
    "/events/<event_id>/sectors/<sector_id>/seats",
    summary="Seat map of a sector",
    responses=answers(200, SeatMap, 404),
)
def get_seat_map(event_id: str, sector_id: str):
    return ok(catalog.seat_map(event_id, sector_id, optional_caller(app)))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
