"""Every owner-facing page. Each area keeps the URL namespace it always had ("dashboard:",
"telephony:", "billing:", "assistant:"), so templates and reverse() calls never changed."""

from django.urls import include, path

from dashboard.views import (
    assistant,
    billing,
    bookings,
    calls,
    customers,
    exports,
    home,
    numbers,
    onboarding,
    settings,
    voice,
)

dashboard_patterns = [
    path("", home.home, name="home"),
    path("orders/", home.orders_page, name="orders"),
    path("orders/<int:order_id>/", home.order_detail, name="order_detail"),
    path("orders/<int:order_id>/status/", home.order_status, name="order_status"),
    path("stores/<int:store_id>/kitchen/", home.kitchen_board, name="kitchen"),
    path("tickets/<int:ticket_id>/status/", home.ticket_status, name="ticket_status"),
    path("tickets/<int:ticket_id>/print/", home.ticket_print, name="ticket_print"),
    path("customers/", customers.customers_page, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/callback/", customers.customer_callback, name="customer_callback"),
    path("exports/<str:kind>.csv", exports.export, name="export"),
    path("exports/<str:kind>.xlsx", exports.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("stores/<int:store_id>/bookings/", bookings.bookings_page, name="bookings"),
    path("stores/<int:store_id>/bookings/new/", bookings.booking_create, name="booking_create"),
    path(
        "stores/<int:store_id>/bookings/<str:kind>/<int:booking_id>/move/",
        bookings.booking_move,
        name="booking_move",
    ),
    path(
        "stores/<int:store_id>/bookings/<str:kind>/<int:booking_id>/cancel/",
        bookings.booking_cancel_view,
        name="booking_cancel",
    ),
    path("stores/<int:store_id>/settings/", settings.store_settings, name="settings"),
    path("onboarding/", onboarding.onboarding_start, name="onboarding_start"),
    path("stores/<int:store_id>/onboarding/", onboarding.onboarding, name="onboarding"),
]

assistant_patterns = [
    path("stores/<int:store_id>/assistant/test/", assistant.test_assistant, name="test"),
    path("stores/<int:store_id>/assistant/selftest/", assistant.run_selftest, name="selftest"),
    path("stores/<int:store_id>/menu/import/", assistant.menu_import_page, name="menu_import"),
    path("stores/<int:store_id>/assistant/voice-preview/", assistant.voice_preview, name="voice_preview"),
]

telephony_patterns = [
    path("numbers/", numbers.numbers_page, name="numbers"),
    path("numbers/buy/", numbers.number_buy, name="number_buy"),
    path("numbers/<int:number_id>/suspend/", numbers.number_suspend, name="number_suspend"),
    path("numbers/<int:number_id>/reactivate/", numbers.number_reactivate, name="number_reactivate"),
    path("numbers/<int:number_id>/retry/", numbers.number_retry, name="number_retry"),
    path("numbers/<int:number_id>/release/", numbers.number_release, name="number_release"),
    path("numbers/<int:number_id>/forward/", numbers.number_forward, name="number_forward"),
    path("calls/", calls.calls_page, name="calls"),
    path("calls/<int:call_id>/", calls.call_detail, name="call_detail"),
    path("calls/voice-speed/", voice.voice_latency_page, name="voice_latency"),
    path("suggestions/<int:suggestion_id>/decide/", calls.suggestion_decide, name="suggestion_decide"),
]

billing_patterns = [
    path("", billing.billing_page, name="home"),
    path("plan/", billing.plan_change, name="plan"),
    path("portal/", billing.portal_open, name="portal"),
    path("signup/", billing.signup_page, name="signup"),
    path("signup/success/", billing.signup_success, name="signup_success"),
    path("signup/cancelled/", billing.signup_cancelled, name="signup_cancelled"),
    path("paid/", billing.paid, name="paid"),
]

# The order is the one the kernel used to mount the apps in: billing/, then the rest at the root.
urlpatterns = [
    path("billing/", include((billing_patterns, "billing"))),
    path("", include((dashboard_patterns, "dashboard"))),
    path("", include((assistant_patterns, "assistant"))),
    path("", include((telephony_patterns, "telephony"))),
]
