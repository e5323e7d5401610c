"""POST /users: sign up a buyer."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.users import SignUpRequest, UserOut
from ticketing.http import created, install
from ticketing.observability import api_handler
from ticketing.responses import answers
from ticketing.services import users

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.post(
    "/users",
    summary="Sign up a buyer",
    responses=answers(
        201,
        UserOut,
        400,
        422,
        conflicts=["email-taken"],
        notes={422: "Invalid e-mail, name or CPF, or a weak password"},
    ),
)
def sign_up(body: SignUpRequest):
    return created(users.sign_up(body.email, body.password, body.name, body.cpf))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
