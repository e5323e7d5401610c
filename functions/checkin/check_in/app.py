from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.after_payment import CheckInIn
from ticketing.responses import CheckIn
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import checkins

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /checkins",
    role="organizer",
    problems=[404, "already-checked-in", "invalid-state", "wrong-event"],
    notes={
        404: "No ticket with this code at the caller's events (`not-found`)",
        409: "A business conflict; `type` names which: `already-checked-in` (with `checked_in_at`, when the "
        "first scan let the ticket in), `invalid-state` (refunded), `wrong-event`",
    },
)
def check_in(body: CheckInIn, caller: Caller) -> CheckIn:
    """Check a ticket in (first scan wins)"""
    return checkins.check_in(caller, body)


lambda_handler = lambda_handler_for(app)
