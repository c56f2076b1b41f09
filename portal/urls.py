"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from portal import accounts, health, languages

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("logout/", accounts.SignOutView.as_view(), name="logout"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("language/", languages.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("sharing.api.urls")),
    path("", include("sharing.web.urls")),
]

# Errors raised outside a view's own handling: problem details under /api/, pages elsewhere.
handler400 = "sharing.api.problems.bad_request"
handler403 = "sharing.api.problems.permission_denied"
handler404 = "sharing.api.problems.page_not_found"
handler500 = "sharing.api.problems.server_error"
