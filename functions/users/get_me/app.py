from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.users import ProfileOut
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /users/me", role="buyer", problems=[404])
def get_me(caller: Caller) -> ProfileOut:
    """My profile"""
    return users.profile(caller)


lambda_handler = lambda_handler_for(app)
