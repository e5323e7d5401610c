from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import personal_data

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "DELETE /users/me", role="buyer", status=204, problems=[404, "invalid-state"])
def delete_me(caller: Caller):
    """Delete my account: profile anonymised, fiscal records kept apart until their legal deadline"""
    personal_data.delete_account(caller)
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
