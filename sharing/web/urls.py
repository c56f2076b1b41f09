"""URLs of the analyst-facing pages."""

from django.urls import path

from sharing.web import reports, views

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/<uuid:report_uuid>/", reports.report_detail, name="report-detail"),
    path("reports/<uuid:report_uuid>/why/", reports.report_explain, name="report-explain"),
]
