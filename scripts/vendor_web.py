"""Copies the browser libraries pinned in clients/web/package-lock.json from node_modules into
clients/web/static/vendor/ (run by `make vendor-web` after `npm ci`).

Each copy keeps the npm file byte for byte below one header line naming the package and its locked version
(the header replaces the file's own first line when that line is a banner comment with a URL: the page
refers to no outside host). `static/vendor/vendored.json` records the version and the SHA-256 of the
unmodified part, which tests/browser/test_web_vendor.py checks against the lock.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "clients" / "web"
VENDOR = WEB / "static" / "vendor"
# vendored file -> (npm package, file inside it, licence, drop the file's first line)
FILES = {
    "uPlot.iife.min.js": ("uplot", "dist/uPlot.iife.min.js", "MIT, Leon Sorokin", True),
    "uPlot.min.css": ("uplot", "dist/uPlot.min.css", "MIT, Leon Sorokin", False),
    "jsQR.js": ("jsqr", "dist/jsQR.js", "Apache-2.0, Cosmo Wolfe", False),
}


def header(name: str, package: str, version: str, licence: str, dropped: bool) -> str:
    what = "first line (a banner) replaced by this one" if dropped else "unmodified below this line"
    return f"/*! {name}: npm package {package} {version} ({licence}), from clients/web/package-lock.json; {what} */\n"


def body_of(text: str, dropped: bool) -> str:
    return text.split("\n", 1)[1] if dropped else text


def locked_versions() -> dict[str, str]:
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    return {path.removeprefix("node_modules/"): p["version"] for path, p in lock["packages"].items() if path}


def main() -> int:
    versions = locked_versions()
    record = {}
    for name, (package, source, licence, dropped) in FILES.items():
        installed = json.loads((WEB / "node_modules" / package / "package.json").read_text(encoding="utf-8"))
        if installed["version"] != versions[package]:
            print(
                f"{package} {installed['version']} installed, {versions[package]} locked: run npm ci",
                file=sys.stderr,
            )
            return 1
        body = body_of((WEB / "node_modules" / package / source).read_text(encoding="utf-8"), dropped)
        (VENDOR / name).write_text(
            header(name, package, versions[package], licence, dropped) + body, encoding="utf-8"
        )
        record[name] = {
            "package": package,
            "version": versions[package],
            "source": source,
            "first_line_replaced": dropped,
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
        }
    (VENDOR / "vendored.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
