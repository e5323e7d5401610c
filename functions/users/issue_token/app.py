"""POST /auth/token: sign in with e-mail and password, or refresh an access token."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.users import TokenOut, TokenRequest
from ticketing.http import install, ok
from ticketing.observability import api_handler
from ticketing.responses import answers
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.post(
    "/auth/token",
    summary="Password or refresh-token grant",
    responses=answers(
        200,
        TokenOut,
        400,
        401,
        422,
        database=False,
        description="The tokens (the refresh grant answers no new refresh_token)",
        notes={401: "Wrong e-mail or password, or an invalid or revoked refresh token (`unauthorized`)"},
    ),
)
def issue_token(body: TokenRequest):
    return ok(users.issue_token(body.email, body.password, body.refresh_token))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
