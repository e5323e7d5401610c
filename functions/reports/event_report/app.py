from typing import Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from ticketing.responses import Report
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import reports

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "GET /events/{event_id}/report",
    role="organizer",
    problems=[422],
    other_types={"text/csv": {"schema": {"type": "string"}}},
    success_description="The report: JSON, or CSV with `?format=csv` or `Accept: text/csv` (sent as an attachment);"
    " `&locale=pt-BR` makes it a Portuguese spreadsheet's CSV (Portuguese headers, `;` separators, amounts as"
    " `1.233,00`, UTF-8 with a BOM)",
)
def event_report(
    event_id: str, caller: Caller, format: str | None = None, locale: Literal["pt-BR"] | None = None
) -> Report:
    """Sales report (JSON, or CSV with ?format=csv)"""
    report = reports.event_report(caller, event_id)
    wants_csv = "text/csv" in (app.current_event.headers.get("accept") or "")
    if format == "csv" or (format is None and wants_csv):
        if locale == "pt-BR":
            body, filename = reports.report_csv_pt_br(report), f"relatorio-{report['event_id']}.csv"
        else:
            body, filename = reports.report_csv(report), f"report-{report['event_id']}.csv"
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=body,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return report


lambda_handler = lambda_handler_for(app)
