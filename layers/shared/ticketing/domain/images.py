"""Event images: which files an organizer may upload, and the conditions S3 enforces on the upload.

The upload is an S3 presigned POST: its policy is signed, and S3 refuses a file whose Content-Type or size
breaks a condition (a presigned PUT could only fix an exact length). No I/O here: the conditions are unit-
tested, since moto does not check them."""

from __future__ import annotations

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
UPLOAD_SECONDS = 600
IMAGE_PREFIX = "event-images"


def image_key(event_id: str, image_id: str, content_type: str) -> str:
    """Where an event's image lives: a new key per upload, so a cached old image is never served."""
    return f"{IMAGE_PREFIX}/{event_id}/{image_id}.{IMAGE_TYPES[content_type]}"


def upload_fields(content_type: str) -> dict[str, str]:
    """Form fields the client sends with the file (and that the policy pins)."""
    return {"Content-Type": content_type}


def upload_conditions(content_type: str) -> list:
    """The policy's conditions besides bucket and key: exactly this type, 1 byte to 5 MB."""
    if content_type not in IMAGE_TYPES:
        raise ValueError(f"not an accepted image type: {content_type}")
    return [{"Content-Type": content_type}, ["content-length-range", 1, MAX_IMAGE_BYTES]]
