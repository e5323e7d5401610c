"""The merged spec: this function's code is the whole functions/ tree, so it can import every resolver."""

from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.openapi import merged_spec
from ticketing.routes import lambda_handler_for, route

FUNCTIONS_ROOT = str(Path(__file__).resolve().parents[2])

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /openapi.json", database=False, documented=False)
def openapi_json():
    """This document"""
    return Response(status_code=200, content_type="application/json", body=merged_spec(FUNCTIONS_ROOT))


lambda_handler = lambda_handler_for(app)
