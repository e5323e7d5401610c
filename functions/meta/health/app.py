"""GET /health: the API is up and its database answers."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing import db
from ticketing.http import install, ok
from ticketing.observability import api_handler
from ticketing.responses import Health, answers

app = APIGatewayHttpResolver(enable_validation=True)
install(app)


@app.get("/health", summary="Liveness and database check", responses=answers(200, Health))
def health():
    db.fetch_one("SELECT 1 AS ok")
    return ok({"status": "ok", "database": "ok"})


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
