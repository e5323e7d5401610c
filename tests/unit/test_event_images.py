"""The conditions of an event image's presigned POST: S3 enforces them; moto does not, so they are checked here."""

from __future__ import annotations

import pytest

from ticketing.domain.images import IMAGE_TYPES, MAX_IMAGE_BYTES, image_key, upload_conditions, upload_fields


@pytest.mark.parametrize(
    ("content_type", "extension"), [("image/jpeg", "jpg"), ("image/png", "png"), ("image/webp", "webp")]
)
def test_each_accepted_type_pins_its_content_type_and_at_most_five_megabytes(content_type, extension):
    conditions = upload_conditions(content_type)
    assert {"Content-Type": content_type} in conditions
    assert ["content-length-range", 1, 5 * 1024 * 1024] in conditions
    assert upload_fields(content_type) == {"Content-Type": content_type}
    assert image_key("e1", "abc", content_type) == f"event-images/e1/abc.{extension}"


@pytest.mark.parametrize("content_type", ["image/gif", "image/svg+xml", "text/html", "application/pdf", ""])
def test_other_types_have_no_upload(content_type):
    with pytest.raises(ValueError):
        upload_conditions(content_type)


def test_the_accepted_types_and_the_size_limit():
    assert set(IMAGE_TYPES) == {"image/jpeg", "image/png", "image/webp"}
    assert MAX_IMAGE_BYTES == 5_242_880
