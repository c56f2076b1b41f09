"""Sign in, sign out and password change: Django's views, with the user's language and messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext

from portal.languages import adopt_language_at_sign_in
from portal.typing import signed_in_user


class SignInView(auth_views.LoginView):
    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = signed_in_user(self.request)
        language = adopt_language_at_sign_in(self.request, user) or translation.get_language()
        # The welcome is read on the next page, in the language that page will speak.
        with translation.override(language):
            messages.success(
                self.request,
                gettext("Signed in as %(name)s.") % {"name": user.get_full_name() or user.username},
            )
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, gettext("You have signed out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    # Not registration/…: those names are the admin's own password pages.
    template_name = "accounts/password_change_form.html"

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password has been changed."))
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
