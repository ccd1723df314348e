"""Production static files: with DEBUG=false, collectstatic gathers every asset the pages ask
for (the API docs' Swagger UI included, shipped by django-ninja) and WhiteNoise serves them from
STATIC_ROOT, with no CDN. A fresh interpreter with production variables, as a deployment runs."""

from __future__ import annotations

from tests.test_settings import run_manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
    "ALLOWED_HOSTS": "kalliky.example.com",
    "PUBLIC_BASE_URL": "https://kalliky.example.com",
}

# Runs inside `manage.py shell`: the docs page, then every /static/ asset it references.
FETCH_DOCS_ASSETS = """
import re
from django.test import Client
client = Client(HTTP_HOST="kalliky.example.com")
page = client.get("/api/docs", secure=True)
assert page.status_code == 200, page.status_code
html = page.content.decode()
assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))
assert not re.search(r'(?:href|src)="https?://', html), "an asset still comes from elsewhere"
for url in assets:
    response = client.get(url, secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    print("ASSET", response.status_code, len(body), url)
"""


def test_the_api_docs_assets_are_collected_and_served_in_production(tmp_path):
    collected = run_manage(tmp_path, "collectstatic", "--noinput", **PRODUCTION)
    assert collected.returncode == 0, collected.stderr

    result = run_manage(tmp_path, "shell", "-c", FETCH_DOCS_ASSETS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    served = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("ASSET ")]
    urls = [url for _, _, url in served]
    # Hashed names from the manifest: the bundle, its start-up script and the stylesheet.
    for name in ("ninja/swagger-ui-bundle.", "ninja/swagger-ui-init.", "ninja/swagger-ui."):
        assert any(name in url for url in urls), (name, urls)
    assert all(status == "200" and int(size) > 0 for status, size, _ in served), served
