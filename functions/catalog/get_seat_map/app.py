from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import SeatMap
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /events/{event_id}/sectors/{sector_id}/seats")
def get_seat_map(event_id: str, sector_id: str, caller: Caller | None) -> SeatMap:
    """Seat map of a sector"""
    return catalog.seat_map(event_id, sector_id, caller)


lambda_handler = lambda_handler_for(app)
