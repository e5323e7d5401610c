from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ticketing.api.catalog import EventImageIn
from ticketing.responses import EventImageUpload
from ticketing.routes import Caller, lambda_handler_for, route
from ticketing.services import catalog

app = APIGatewayHttpResolver(enable_validation=True)


@route(
    app,
    "POST /events/{event_id}/image",
    role="organizer",
    status=201,
    success_description="A presigned S3 POST: send `fields` and then the file (JPEG, PNG or WebP, at most 5 MB, "
    "with the Content-Type asked for) as multipart/form-data to `upload_url`; the event shows `image_url`",
)
def upload_event_image(event_id: str, caller: Caller, body: EventImageIn | None = None) -> EventImageUpload:
    """Upload an image for the event"""
    return catalog.event_image_upload(caller, event_id, body)


lambda_handler = lambda_handler_for(app)
