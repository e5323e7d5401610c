from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.api.users import PasswordResetConfirmation
from ticketing.routes import lambda_handler_for, route
from ticketing.services import password_reset

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /auth/password-reset/confirm",
    status=204,
    problems=[401],
    database=False,
    success_description="The new password is set; sessions that started with the old one end",
    notes={
        401: "Wrong, used or expired code (`unauthorized`)",
        422: "A weak new password, or not an e-mail address (`validation`)",
    },
)
def confirm_password_reset(body: PasswordResetConfirmation):
    """Choose a new password with the e-mailed code"""
    password_reset.confirm_reset(body.email, body.code, body.new_password)
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
