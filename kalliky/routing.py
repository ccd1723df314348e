"""WebSocket routes (Telnyx media streams and the live dashboard mount here)."""

from django.urls import URLPattern, path

from ai.consumers import AssistantChatConsumer
from stores.consumers import KitchenBoardConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/stores/<int:store_id>/assistant/", AssistantChatConsumer.as_asgi()),
    path("ws/stores/<int:store_id>/kitchen/", KitchenBoardConsumer.as_asgi()),
]
