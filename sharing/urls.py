"""URLs of the analyst-facing pages."""

from django.urls import path

from sharing import views

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.report_list, name="report-list"),
]
