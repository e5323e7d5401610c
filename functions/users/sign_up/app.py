from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.users import SignUpRequest, UserOut
from ticketing.routes import lambda_handler_for, route
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /users",
    status=201,
    problems=["email-taken"],
    notes={422: "Invalid e-mail, name or CPF, or a weak password"},
)
def sign_up(body: SignUpRequest) -> UserOut:
    """Sign up a buyer"""
    return users.sign_up(body.email, body.password, body.name, body.cpf)


lambda_handler = lambda_handler_for(app)
