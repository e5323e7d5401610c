"""POST /auth/token: sign in with e-mail and password, or refresh an access token."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.users import TokenRequest
from ticketing.http import install, ok
from ticketing.observability import api_handler
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.post("/auth/token", summary="Password or refresh-token grant")
def issue_token(body: TokenRequest):
    return ok(users.issue_token(body.email, body.password, body.refresh_token))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
