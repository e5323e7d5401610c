"""The web storefront (clients/web) served by the local runtime: `/` is index.html, `/static/...` its files,
`/event-images/...` the event images organizers uploaded (objects of the images bucket in moto).

Only paths no API route matches reach this, so it never shadows the API. In AWS the same files and the
images are served from S3 behind CloudFront (template.yaml, StorefrontBucket), at the page's own origin.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from localrun.gateway import HttpResponse, problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = PROJECT_ROOT / "clients" / "web"
STATIC_PREFIX = "/static/"
# The other pages beside index.html: the organizer console and the door scanner (issue 19).
PAGES = ("/console.html", "/scanner.html")
IMAGES_PREFIX = "/event-images/"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
# Reads one object of the images bucket: (bytes, its Content-Type), or None when there is none.
ObjectReader = Callable[[str], tuple[bytes, str] | None]
MAX_NAME_LENGTH = 255  # longer names exist in no file system we serve from
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
# The page loads nothing from other hosts; PIX QR codes arrive as data: URLs from the API.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def page_policy(path: str) -> str:
    """The console also posts event images straight to the images bucket (a presigned POST): locally that
    is moto's endpoint, another origin, which its connect-src must name."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if path != "/console.html" or not endpoint.startswith(("http://", "https://")):
        return CONTENT_SECURITY_POLICY
    origin = "/".join(endpoint.split("/")[:3])
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {origin}")


class Storefront:
    """Maps GET/HEAD `/` and `/static/<file>` to files under `root`; anything else is not its business."""

    def __init__(self, root: Path, read_image: ObjectReader | None = None) -> None:
        self.root = root.resolve()
        self.static_root = (self.root / "static").resolve()
        self.read_image = read_image

    @classmethod
    def from_environment(cls, read_image: ObjectReader | None = None) -> Storefront | None:
        root = Path(os.environ.get("STOREFRONT_DIR") or DEFAULT_ROOT)
        return cls(root, read_image) if (root / "index.html").is_file() else None

    def image(self, path: str) -> HttpResponse:
        """An uploaded event image (only images: anything else in the bucket is not served)."""
        key = unquote(path[1:])
        found = self.read_image(key) if self.read_image and len(key) <= 1024 and "\x00" not in key else None
        if found is None or found[1] not in IMAGE_TYPES:
            return problem(404, "not-found", "Not found", f"No image for {path}")
        headers = [
            ("Content-Type", found[1]),
            ("Cache-Control", "public, max-age=86400"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return HttpResponse(200, headers, found[0])

    def response(self, method: str, path: str) -> HttpResponse | None:
        if method not in ("GET", "HEAD"):
            return None
        if path.startswith(IMAGES_PREFIX):
            return self.image(path)
        if path in ("/", "/index.html"):
            file = self.root / "index.html"
        elif path in PAGES:
            file = self.root / path[1:]
        elif path.startswith(STATIC_PREFIX):
            name = unquote(path[len(STATIC_PREFIX) :])
            if "\x00" in name or len(name) > MAX_NAME_LENGTH:
                return problem(404, "not-found", "Not found", "No such file")
            try:
                file = (self.static_root / name).resolve()
            except (OSError, ValueError):
                return problem(404, "not-found", "Not found", "No such file")
            if not file.is_relative_to(self.static_root):
                return problem(404, "not-found", "Not found", f"No file for {path}")
        else:
            return None
        content_type = CONTENT_TYPES.get(file.suffix.lower())
        try:
            found = content_type is not None and file.is_file()
        except (OSError, ValueError):  # a NUL in the name (ValueError) or a name too long for the OS
            found = False
        if not found:
            return problem(404, "not-found", "Not found", f"No file for {path}")
        headers = [
            ("Content-Type", content_type),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ]
        if file.suffix == ".html":
            headers.append(("Content-Security-Policy", page_policy(path)))
        return HttpResponse(200, headers, file.read_bytes())
