from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import DataExport
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import personal_data

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /users/me/export", role="buyer", problems=[404])
def export_my_data(caller: Caller) -> DataExport:
    """Everything kept about me, as JSON (LGPD art. 18 and 19)"""
    return personal_data.export(caller)


lambda_handler = lambda_handler_for(app)
