from django.urls import path

from telephony import call_views, views, voice_views

app_name = "telephony"
urlpatterns = [
    path("numbers/", views.numbers_page, name="numbers"),
    path("numbers/buy/", views.number_buy, name="number_buy"),
    path("numbers/<int:number_id>/suspend/", views.number_suspend, name="number_suspend"),
    path("numbers/<int:number_id>/reactivate/", views.number_reactivate, name="number_reactivate"),
    path("numbers/<int:number_id>/retry/", views.number_retry, name="number_retry"),
    path("numbers/<int:number_id>/release/", views.number_release, name="number_release"),
    path("numbers/<int:number_id>/forward/", views.number_forward, name="number_forward"),
    path("calls/", call_views.calls_page, name="calls"),
    path("calls/<int:call_id>/", call_views.call_detail, name="call_detail"),
    path("calls/voice-speed/", voice_views.voice_latency_page, name="voice_latency"),
    path("suggestions/<int:suggestion_id>/decide/", call_views.suggestion_decide, name="suggestion_decide"),
]
