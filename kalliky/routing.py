"""WebSocket routes (Telnyx media streams and the live dashboard mount here)."""

from django.urls import URLPattern, path

from dashboard.consumers import KitchenBoardConsumer
from dashboard.consumers_assistant import AssistantChatConsumer
from telephony.media.consumer import TelnyxMediaConsumer

# Telnyx's media socket has no browser Origin to check: it is authenticated by its stream token.
telnyx_media_urlpatterns: list[URLPattern] = [
    path("ws/telnyx/media/", TelnyxMediaConsumer.as_asgi()),
]

websocket_urlpatterns: list[URLPattern] = [
    path("ws/stores/<int:store_id>/assistant/", AssistantChatConsumer.as_asgi()),
    path("ws/stores/<int:store_id>/kitchen/", KitchenBoardConsumer.as_asgi()),
]
