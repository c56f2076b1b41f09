"""Request types for views that only signed-in users reach."""

from __future__ import annotations

from django.http import HttpRequest

from agencies.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind `login_required` (or the admin): `user` is a real, signed-in User."""

    user: User  # narrows HttpRequest.user for signed-in views


def signed_in_user(request: HttpRequest) -> User:
    """The request's user where the framework has already required a sign-in (the admin)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("this view needs a signed-in user")
    return user
