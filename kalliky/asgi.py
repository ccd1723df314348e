"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalliky.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from kalliky.checks import fail_on_provider_errors  # noqa: E402
from kalliky.routing import telnyx_media_urlpatterns, websocket_urlpatterns  # noqa: E402
from telephony import asgi as telnyx_webhook  # noqa: E402

# A server started directly (uvicorn kalliky.asgi:application) skips manage.py's checks:
# refuse to start with a real provider selected and its key missing.
fail_on_provider_errors()

browser_sockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
# Telnyx's media streams: no browser, no cookie, no Origin; the stream token is the credential.
telnyx_media = URLRouter(telnyx_media_urlpatterns)
MEDIA_PREFIX = "/ws/telnyx/media/"


async def websockets(scope, receive, send):  # noqa: ANN001, ANN201 - the ASGI signature
    if scope.get("path", "").startswith(MEDIA_PREFIX):
        return await telnyx_media(scope, receive, send)
    return await browser_sockets(scope, receive, send)


router = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websockets})


async def application(scope, receive, send):  # noqa: ANN001, ANN201 - the ASGI signature
    # Telnyx's webhooks take a lean path (telephony/asgi.py); everything else goes to Django.
    if telnyx_webhook.handles(scope):
        return await telnyx_webhook.app(scope, receive, send)
    return await router(scope, receive, send)
