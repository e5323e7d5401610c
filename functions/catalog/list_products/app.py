from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from ticketing.responses import ProductList
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /products", problems=[404, 422])
def list_products(
    caller: Caller | None, event_id: Annotated[UUID, Query(description="the event")]
) -> ProductList:
    """Add-ons for an event"""
    return catalog.list_products(str(event_id), caller)


lambda_handler = lambda_handler_for(app)
