from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.waitlist import WaitlistIn
from ticketing.responses import WaitlistEntry
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import waitlist

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /events/{event_id}/waitlist",
    role="buyer",
    status=201,
    body=WaitlistEntry,
    problems=[403, 404, "invalid-state", "limit-exceeded"],
    success_description="The new entry, waiting",
    notes={
        403: "The account has no buyer profile (`forbidden`)",
        404: "No event on sale with this id (`not-found`)",
        409: "`invalid-state`: the sector still has the places asked for (buy them instead), or the caller "
        "already waits there; `limit-exceeded`: more than max_tickets_per_order, or past the per-CPF limit",
    },
)
def join_waitlist(event_id: str, body: WaitlistIn, caller: Caller):
    """Join the waiting list of a sold-out sector"""
    return waitlist.join(caller, event_id, body)


lambda_handler = lambda_handler_for(app)
