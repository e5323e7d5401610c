"""GET /events/{event_id}/report: sales of the event for its organizer, as JSON or CSV."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.http import BEARER, header, install, ok, organizer
from ticketing.observability import api_handler
from ticketing.responses import Report, answers
from ticketing.services import reports

app = APIGatewayHttpResolver(enable_validation=True)
install(app, role="organizer")


@app.get(
    "/events/<event_id>/report",
    summary="Sales report (JSON, or CSV with ?format=csv)",
    security=BEARER,
    responses=answers(
        200,
        Report,
        404,
        422,
        role="organizer",
        other_types={"text/csv": {"schema": {"type": "string"}}},
        description="The report: JSON, or CSV with `?format=csv` or `Accept: text/csv` (sent as an attachment)",
    ),
)
def event_report(event_id: str, format: str | None = None):
    report = reports.event_report(organizer(app), event_id)
    if format == "csv" or (format is None and "text/csv" in (header(app, "accept") or "")):
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=reports.report_csv(report),
            headers={"Content-Disposition": f'attachment; filename="report-{report["event_id"]}.csv"'},
        )
    return ok(report)


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
