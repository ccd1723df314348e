from django.urls import path

from stores import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
]
