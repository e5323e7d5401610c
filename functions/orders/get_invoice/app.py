from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.responses import Invoice
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import invoices

app = APIGatewayHttpResolver(enable_validation=True)


@route(app, "GET /orders/{order_id}/invoice", role="buyer")
def get_invoice(order_id: str, caller: Caller) -> Invoice:
    """The invoice of a paid order (404 until issued)"""
    return invoices.get_invoice(caller, order_id)


lambda_handler = lambda_handler_for(app)
