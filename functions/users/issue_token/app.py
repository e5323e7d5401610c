from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.users import TokenOut, TokenRequest
from ticketing.routes import lambda_handler_for, route
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /auth/token",
    problems=[401],
    database=False,
    success_description="The tokens (the refresh grant answers no new refresh_token)",
    notes={401: "Wrong e-mail or password, or an invalid or revoked refresh token (`unauthorized`)"},
)
def issue_token(body: TokenRequest) -> TokenOut:
    """Password or refresh-token grant"""
    return users.issue_token(body.email, body.password, body.refresh_token)


lambda_handler = lambda_handler_for(app)
