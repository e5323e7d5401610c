"""The storefront's files as the local runtime serves them (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "clients" / "web"


def test_index_and_static_files_are_served_with_their_types(api):
    index = api.get("/")
    assert index.status == 200
    assert index.headers["content-type"].startswith("text/html")
    assert '<html lang="pt-BR">' in index.text
    policy = index.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    script = api.get("/static/app.js")
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert api.get("/static/styles.css").headers["content-type"].startswith("text/css")
    assert api.get("/static/favicon.svg").headers["content-type"] == "image/svg+xml"


def test_nothing_outside_the_storefront_is_served(api):
    assert api.get("/static/nope.js").status == 404
    assert api.get("/static/../../pyproject.toml").status == 404
    assert api.get("/static/%2e%2e/%2e%2e/pyproject.toml").status == 404
    assert api.get("/static/%2e%2e/index.html").status == 404
    assert api.post("/", json={}).status == 404  # only GET/HEAD reach the files


def test_api_routes_are_not_shadowed(api):
    health = api.get("/health")
    assert health.status == 200 and health.headers["content-type"].startswith("application/json")
    missing = api.get("/no-such-route")
    assert missing.status == 404 and "No route for" in missing.text


def test_no_outside_hosts_in_the_storefront():
    for path in WEB.rglob("*"):
        if path.is_file() and "node_modules" not in path.parts:  # npm's folder (ignored), not served
            text = path.read_text(encoding="utf-8")
            urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"')]*", text, flags=re.I)
            urls = [u for u in urls if not u.startswith("http://www.w3.org/2000/svg")]
            if path.parent.name == "vendor":  # npm's code as published: a link in a // comment loads nothing
                comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("//"))
                urls = [u for u in urls if u not in comments]
            assert not urls, f"{path.relative_to(WEB)} refers to outside hosts: {urls}"
