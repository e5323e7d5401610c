from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.catalog import SectorIn
from ticketing.responses import Sector
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /events/{event_id}/sectors", role="organizer", status=201, problems=["invalid-state"])
def create_sector(event_id: str, body: SectorIn, caller: Caller) -> Sector:
    """Add a sector"""
    return catalog.create_sector(caller, event_id, body)


lambda_handler = lambda_handler_for(app)
