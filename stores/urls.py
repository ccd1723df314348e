from django.urls import path

from stores import booking_views, customer_views, exports, onboarding_views, settings_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.orders_page, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/status/", views.order_status, name="order_status"),
    path("stores/<int:store_id>/kitchen/", views.kitchen_board, name="kitchen"),
    path("tickets/<int:ticket_id>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:ticket_id>/print/", views.ticket_print, name="ticket_print"),
    path("customers/", customer_views.customers_page, name="customers"),
    path("customers/<int:customer_id>/", customer_views.customer_detail, name="customer_detail"),
    path(
        "customers/<int:customer_id>/callback/", customer_views.customer_callback, name="customer_callback"
    ),
    path("exports/<str:kind>.csv", exports.export_csv, name="export"),
    path("stores/<int:store_id>/bookings/", booking_views.bookings_page, name="bookings"),
    path("stores/<int:store_id>/bookings/new/", booking_views.booking_create, name="booking_create"),
    path(
        "stores/<int:store_id>/bookings/<str:kind>/<int:booking_id>/move/",
        booking_views.booking_move,
        name="booking_move",
    ),
    path(
        "stores/<int:store_id>/bookings/<str:kind>/<int:booking_id>/cancel/",
        booking_views.booking_cancel_view,
        name="booking_cancel",
    ),
    path("stores/<int:store_id>/settings/", settings_views.store_settings, name="settings"),
    path("onboarding/", onboarding_views.onboarding_start, name="onboarding_start"),
    path("stores/<int:store_id>/onboarding/", onboarding_views.onboarding, name="onboarding"),
]
