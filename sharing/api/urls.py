"""URLs under /api/: v1 endpoints, the OpenAPI document, its docs, and a 404 for the rest."""

from django.contrib.auth.decorators import login_required
from django.urls import path, re_path

from sharing.api import problems, schema, views

urlpatterns = [
    path("v1/reports/", views.ReportList.as_view(), name="api-reports"),
    path("v1/reports/<uuid:report_uuid>/", views.ReportDetail.as_view(), name="api-report"),
    path(
        "v1/reports/<uuid:report_uuid>/publish/",
        views.ReportPublish.as_view(),
        name="api-report-publish",
    ),
    path(
        "v1/reports/<uuid:report_uuid>/retract/",
        views.ReportRetract.as_view(),
        name="api-report-retract",
    ),
    path("v1/reports/<uuid:report_uuid>/why/", views.ReportWhy.as_view(), name="api-report-why"),
    path("v1/feed/", views.Feed.as_view(), name="api-feed"),
    path("v1/agreements/", views.AgreementList.as_view(), name="api-agreements"),
    path("schema/", schema.SchemaView.as_view(), name="api-schema"),
    path("docs/", login_required(schema.DocsView.as_view()), name="api-docs"),
    # Last: whatever else is asked under /api/ is a problem+json 404, never an HTML page.
    re_path(r"^.*$", problems.not_found),
]
