"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("sharing.api.urls")),
    path("", include("sharing.web.urls")),
]

# Errors raised outside a view's own handling: problem details under /api/, pages elsewhere.
handler400 = "sharing.api.problems.bad_request"
handler403 = "sharing.api.problems.permission_denied"
handler404 = "sharing.api.problems.page_not_found"
handler500 = "sharing.api.problems.server_error"
