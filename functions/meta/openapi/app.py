"""GET /openapi.json: one spec merged from all functions (this function's code is the whole functions/ tree)."""

from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import install
from ticketing.observability import api_handler
from ticketing.openapi import merged_spec

FUNCTIONS_ROOT = str(Path(__file__).resolve().parents[2])

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.get("/openapi.json", include_in_schema=False)
def openapi_json():
    return Response(status_code=200, content_type="application/json", body=merged_spec(FUNCTIONS_ROOT))


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
