"""GET /products?event_id=: add-ons on sale for an event."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import install, ok, optional_caller
from ticketing.observability import api_handler
from ticketing.responses import ProductList, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.get("/products", summary="Add-ons for an event", responses=answers(200, ProductList, 404, 422))
def list_products(event_id: str | None = None):
    return ok(catalog.list_products(event_id, optional_caller(app)))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
