from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.billing_page, name="home"),
    path("plan/", views.plan_change, name="plan"),
    path("portal/", views.portal_open, name="portal"),
    path("signup/", views.signup_page, name="signup"),
    path("signup/success/", views.signup_success, name="signup_success"),
    path("signup/cancelled/", views.signup_cancelled, name="signup_cancelled"),
    path("paid/", views.paid, name="paid"),
]
