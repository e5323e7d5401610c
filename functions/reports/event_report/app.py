from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.responses import Report
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import reports

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "GET /events/{event_id}/report",
    role="organizer",
    body=Report,
    problems=[404, 422],
    other_types={"text/csv": {"schema": {"type": "string"}}},
    success_description="The report: JSON, or CSV with `?format=csv` or `Accept: text/csv` (sent as an attachment)",
)
def event_report(event_id: str, caller: Caller, format: str | None = None):
    """Sales report (JSON, or CSV with ?format=csv)"""
    report = reports.event_report(caller, event_id)
    wants_csv = "text/csv" in (app.current_event.headers.get("accept") or "")
    if format == "csv" or (format is None and wants_csv):
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=reports.report_csv(report),
            headers={"Content-Disposition": f'attachment; filename="report-{report["event_id"]}.csv"'},
        )
    return report


lambda_handler = lambda_handler_for(app)
