from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.users import AccountRoles, OrganizerIn
from ticketing.http import json_response
from ticketing.routes import lambda_handler_for, route
from ticketing.services import organizers

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /organizers",
    role="admin",
    status=201,
    problems=[404],
    success_description="The account is now an organizer (its next token carries the role)",
    other_successes={200: "The account already was an organizer"},
    notes={404: "No account with this e-mail (`not-found`)"},
)
def appoint_organizer(body: OrganizerIn) -> AccountRoles:
    """Make an existing account an organizer"""
    appointed = organizers.appoint(body.email)
    return appointed if appointed.created else json_response(200, dict(appointed))


lambda_handler = lambda_handler_for(app)
