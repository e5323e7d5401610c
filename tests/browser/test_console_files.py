"""The console and scanner pages as the local runtime serves them, and the browser libraries vendored from
clients/web/package-lock.json (no browser needed)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "clients" / "web"
VENDOR = WEB / "static" / "vendor"


def test_the_console_and_the_scanner_are_served_beside_the_storefront(api):
    for path, title in (
        ("/console.html", "Console do organizador"),
        ("/scanner.html", "Leitor de ingressos"),
    ):
        page = api.get(path)
        assert page.status == 200 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="pt-BR">' in page.text and f"<title>{title}" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
    for script in (
        "console/console.js",
        "console/scanner.js",
        "console/chart.js",
        "vendor/uPlot.iife.min.js",
        "vendor/jsQR.js",
    ):
        assert api.get(f"/static/{script}").headers["content-type"].startswith("text/javascript"), script
    assert api.get("/admin.html").status == 404  # only the pages listed are served


def test_vendored_libraries_are_the_versions_locked_in_package_lock():
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    wanted = json.loads((WEB / "package.json").read_text(encoding="utf-8"))["dependencies"]
    record = json.loads((VENDOR / "vendored.json").read_text(encoding="utf-8"))
    assert {entry["package"] for entry in record.values()} == set(wanted)
    for name, entry in record.items():
        locked = lock[f"node_modules/{entry['package']}"]["version"]
        assert entry["version"] == locked == wanted[entry["package"]], name
        header, body = (VENDOR / name).read_text(encoding="utf-8").split("\n", 1)
        assert f"npm package {entry['package']} {locked} " in header, name
        assert hashlib.sha256(body.encode()).hexdigest() == entry["sha256"], f"{name} was changed by hand"
        installed = WEB / "node_modules" / entry["package"]
        if (installed / "package.json").is_file():  # after `make vendor-web`: the copy is npm's file
            original = (installed / entry["source"]).read_text(encoding="utf-8")
            if entry["first_line_replaced"]:
                original = original.split("\n", 1)[1]
            assert original == body, f"{name} differs from {entry['package']}/{entry['source']}"
