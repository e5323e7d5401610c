from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from ticketing.domain.statuses import EventStatus
from ticketing.http import Cursor, Limit, text_query
from ticketing.responses import EventPage
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)

Search = text_query("words found, in this order, in the name or venue (case and accents ignored)")
City = text_query("the city (case and accents ignored)")
Mine = Annotated[
    bool,
    Query(
        description="true: only the caller's own events (sign-in needed), every status unless ?status= is given"
    ),
]


@route(
    app,
    "GET /events",
    problems=[401, 422],
    notes={401: "`?mine=true` without a valid bearer token (only that filter needs one)"},
)
def list_events(
    caller: Caller | None,
    status: EventStatus | None = None,
    q: Search = None,
    city: City = None,
    mine: Mine = False,
    limit: Limit = None,
    cursor: Cursor = None,
) -> EventPage:
    """List events"""
    return catalog.list_events(status, limit, cursor, caller, q=q, city=city, mine=mine)


lambda_handler = lambda_handler_for(app)
