"""The web storefront (clients/web) served by the local runtime: `/` is index.html, `/static/...` its files.

Only paths no API route matches reach this, so it never shadows the API. In AWS the same files are
served from S3 behind CloudFront (template.yaml, StorefrontBucket).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from localrun.gateway import HttpResponse, problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = PROJECT_ROOT / "clients" / "web"
STATIC_PREFIX = "/static/"
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


class Storefront:
    """Maps GET/HEAD `/` and `/static/<file>` to files under `root`; anything else is not its business."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.static_root = (self.root / "static").resolve()

    @classmethod
    def from_environment(cls) -> Storefront | None:
        root = Path(os.environ.get("STOREFRONT_DIR") or DEFAULT_ROOT)
        return cls(root) if (root / "index.html").is_file() else None

    def response(self, method: str, path: str) -> HttpResponse | None:
        if method not in ("GET", "HEAD"):
            return None
        if path in ("/", "/index.html"):
            file = self.root / "index.html"
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
            headers.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        return HttpResponse(200, headers, file.read_bytes())
