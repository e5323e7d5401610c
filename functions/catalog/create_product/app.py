from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.catalog import ProductIn
from ticketing.responses import Product
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "POST /products", role="organizer", status=201, problems=[404])
def create_product(body: ProductIn, caller: Caller) -> Product:
    """Create an add-on"""
    return catalog.create_product(caller, body)


lambda_handler = lambda_handler_for(app)
