from django.urls import path

from ai import views

app_name = "assistant"
urlpatterns = [
    path("stores/<int:store_id>/assistant/test/", views.test_assistant, name="test"),
    path("stores/<int:store_id>/assistant/selftest/", views.run_selftest, name="selftest"),
    path("stores/<int:store_id>/menu/import/", views.menu_import_page, name="menu_import"),
]
