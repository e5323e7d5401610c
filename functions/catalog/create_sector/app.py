"""POST /events/{event_id}/sectors: a general or seated sector."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.catalog import SectorIn
from ticketing.http import BEARER, created, install, organizer
from ticketing.observability import api_handler
from ticketing.responses import Sector, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.post(
    "/events/<event_id>/sectors",
    summary="Add a sector",
    security=BEARER,
    responses=answers(201, Sector, 400, 404, 422, role="organizer", conflicts=["invalid-state"]),
)
def create_sector(event_id: str, body: SectorIn):
    return created(catalog.create_sector(organizer(app), event_id, body))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
