from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.users import OrganizerPage
from ticketing.http import Cursor, Limit
from ticketing.routes import lambda_handler_for, route
from ticketing.services import organizers

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /organizers", role="admin", problems=[422])
def list_organizers(limit: Limit = None, cursor: Cursor = None) -> OrganizerPage:
    """List the organizers"""
    return organizers.list_organizers(limit, cursor)


lambda_handler = lambda_handler_for(app)
