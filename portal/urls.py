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
    path("", include("sharing.web.urls")),
]
