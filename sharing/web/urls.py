"""URLs of the analyst-facing pages."""

from django.urls import path

from sharing.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/<uuid:report_uuid>/", views.report_detail, name="report-detail"),
    path("reports/<uuid:report_uuid>/why/", views.report_explain, name="report-explain"),
]
