"""WebSocket routes (Telnyx media streams and the live dashboard mount here)."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
