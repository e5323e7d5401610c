"""GET /docs: Swagger UI of the merged spec, with its JS and CSS served inline (works offline)."""

from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import API_DESCRIPTION, API_TITLE, API_VERSION, SECURITY_SCHEMES, install
from ticketing.observability import api_handler
from ticketing.openapi import MERGE_OPTIONS

FUNCTIONS_ROOT = Path(__file__).resolve().parents[2]

app = APIGatewayHttpResolver(enable_validation=True)
install(app)
app.configure_openapi_merge(
    path=str(FUNCTIONS_ROOT),
    title=API_TITLE,
    version=API_VERSION,
    description=API_DESCRIPTION,
    security_schemes=SECURITY_SCHEMES,
    on_conflict="error",
    **MERGE_OPTIONS,
)
app.enable_swagger(path="/docs", title=API_TITLE, security_schemes=SECURITY_SCHEMES)


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
