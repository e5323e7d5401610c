from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.api.users import PasswordResetRequest
from ticketing.routes import lambda_handler_for, route
from ticketing.services import password_reset

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /auth/password-reset",
    status=202,
    database=False,
    success_description="If an account has this e-mail, a code to choose a new password was sent to it "
    "(the answer is the same either way)",
    notes={422: "Not an e-mail address (`validation`)"},
)
def request_password_reset(body: PasswordResetRequest):
    """Ask for a code to choose a new password"""
    password_reset.request_reset(body.email)
    return Response(status_code=202)


lambda_handler = lambda_handler_for(app)
