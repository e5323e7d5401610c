from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import waitlist

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "DELETE /waitlist/{entry_id}",
    role="buyer",
    status=204,
    problems=[404, "invalid-state"],
    notes={409: "`invalid-state`: the entry is already converted, lapsed or cancelled"},
)
def leave_waitlist(entry_id: str, caller: Caller):
    """Leave a waiting list (an offer not paid yet is let go)"""
    waitlist.leave(caller, entry_id)
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
