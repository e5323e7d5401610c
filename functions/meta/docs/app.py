"""GET /docs: Swagger UI of the merged spec, with its JS and CSS served inline (works offline)."""

from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.http import API_TITLE, SECURITY_SCHEMES
from ticketing.openapi import api_merge
from ticketing.routes import install, lambda_handler_for

FUNCTIONS_ROOT = Path(__file__).resolve().parents[2]

app = APIGatewayHttpResolver(enable_validation=True)
install(app)
# The same merge as GET /openapi.json (configure_openapi_merge would build a plain OpenAPIMerge, which keeps
# Powertools' default 422 this API never sends); Swagger UI shows the merge set here.
app._openapi_merge = api_merge(FUNCTIONS_ROOT)
app.enable_swagger(path="/docs", title=API_TITLE, security_schemes=SECURITY_SCHEMES)

lambda_handler = lambda_handler_for(app)
