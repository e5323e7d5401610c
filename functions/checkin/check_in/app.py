"""POST /checkins: scan a ticket at the door of the organizer's event."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.after_payment import CheckInIn
from ticketing.http import BEARER, install, ok, organizer
from ticketing.observability import api_handler
from ticketing.responses import CheckIn, answers
from ticketing.services import checkins

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.post(
    "/checkins",
    summary="Check a ticket in (first scan wins)",
    security=BEARER,
    responses=answers(
        200,
        CheckIn,
        400,
        404,
        422,
        role="organizer",
        conflicts=["already-checked-in", "invalid-state", "wrong-event"],
        notes={404: "No ticket with this code at the caller's events (`not-found`)"},
    ),
)
def check_in(body: CheckInIn):
    return ok(checkins.check_in(organizer(app), body))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
