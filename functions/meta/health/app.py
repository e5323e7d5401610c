from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing import db
from ticketing.responses import Health
from ticketing.routes import lambda_handler_for, route

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /health")
def health() -> Health:
    """Liveness and database check"""
    db.fetch_one("SELECT 1 AS ok")
    return {"status": "ok", "database": "ok"}


lambda_handler = lambda_handler_for(app)
