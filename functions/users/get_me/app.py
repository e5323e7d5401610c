"""GET /users/me: the caller's profile and roles."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.users import ProfileOut
from ticketing.http import BEARER, caller, install, ok
from ticketing.observability import api_handler
from ticketing.responses import answers
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="buyer")


@app.get(
    "/users/me", summary="My profile", security=BEARER, responses=answers(200, ProfileOut, 404, role="buyer")
)
def get_me():
    return ok(users.profile(caller(app)))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
