"""POST /products: an add-on for one event or for all of the organizer's events."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.catalog import ProductIn
from ticketing.http import BEARER, created, install, organizer
from ticketing.observability import api_handler
from ticketing.responses import Product, answers
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.post(
    "/products",
    summary="Create an add-on",
    security=BEARER,
    responses=answers(201, Product, 400, 404, 422, role="organizer"),
)
def create_product(body: ProductIn):
    return created(catalog.create_product(organizer(app), body))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
