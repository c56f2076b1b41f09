"""URLs of the analyst-facing pages."""

from django.urls import path

from sharing.web import (
    access_requests,
    audit_log,
    dashboard,
    editor,
    export,
    lookup,
    reports,
    search,
    views,
)

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/export/", export.report_export, name="report-export"),
    path("reports/new/", editor.report_new, name="report-new"),
    path("reports/new/audience/", editor.new_report_audience, name="report-new-audience"),
    path("reports/preview/", editor.body_preview, name="report-body-preview"),
    path("reports/<uuid:report_uuid>/", reports.report_detail, name="report-detail"),
    path("reports/<uuid:report_uuid>/why/", reports.report_explain, name="report-explain"),
    path("reports/<uuid:report_uuid>/edit/", editor.report_edit, name="report-edit"),
    path(
        "reports/<uuid:report_uuid>/related/",
        reports.report_related,
        name="report-related",
    ),
    path(
        "reports/<uuid:report_uuid>/edit/audience/",
        editor.report_audience,
        name="report-edit-audience",
    ),
    path("reports/<uuid:report_uuid>/publish/", editor.report_publish, name="report-publish"),
    path("reports/<uuid:report_uuid>/retract/", editor.report_retract, name="report-retract"),
    path("audit/", audit_log.audit_log, name="audit-log"),
    path("audit/export/", audit_log.audit_export, name="audit-export"),
    path("search/", search.search_page, name="search"),
    path("lookup/", lookup.lookup_page, name="lookup"),
    path("lookup/request/", access_requests.request_access, name="lookup-request"),
    path("access-requests/", access_requests.queue, name="access-requests"),
    path(
        "access-requests/<int:pk>/decide/",
        access_requests.decide,
        name="access-request-decide",
    ),
    path("search/saved/", search.save_search, name="search-save"),
    path("search/saved/<int:pk>/delete/", search.delete_saved_search, name="search-delete"),
    path(
        "attachments/<uuid:attachment_uuid>/",
        reports.attachment_download,
        name="attachment-download",
    ),
]
