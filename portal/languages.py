"""The portal's language: chosen in the switcher, kept in a cookie, the session and on the user.

Django's LocaleMiddleware picks the language from the cookie or the browser; the middleware
here then applies the choice kept in the session, or a signed-in user's saved choice, so the
language follows the user to another browser and survives signing out and in again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from django.views import i18n
from django.views.decorators.http import require_POST

from agencies.models import User

SESSION_KEY = "_language"


def supported(code: object) -> str | None:
    """`code` when it is one of the portal's languages, else None."""
    return code if isinstance(code, str) and code in dict(settings.LANGUAGES) else None


def remember_language(user: User, language: str) -> None:
    """Save the user's choice. A display preference, not an exchange: no service, no audit."""
    if user.language != language:
        user.language = language
        User.objects.filter(pk=user.pk).update(language=language)


def adopt_language_at_sign_in(request: HttpRequest, user: User) -> str | None:
    """At sign-in: a language picked just before (on the sign-in page) becomes the user's;
    otherwise the user's saved language applies. Returns the language now in force."""
    chosen = supported(request.session.get(SESSION_KEY))
    if chosen:
        remember_language(user, chosen)
        return chosen
    saved = supported(user.language)
    if saved:
        request.session[SESSION_KEY] = saved
    return saved


class PreferredLanguageMiddleware:
    """Applies the session's or the signed-in user's language; keeps the cookie in step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = supported(request.session.get(SESSION_KEY))
        user = request.user
        if language is None and isinstance(user, User) and user.is_authenticated:
            language = supported(user.language)
            if language:
                request.session[SESSION_KEY] = language
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # The cookie carries the choice past sign-out, onto the sign-in page (unless this very
        # response is the switcher's, which sets the new one).
        cookie = settings.LANGUAGE_COOKIE_NAME
        if language and request.COOKIES.get(cookie) != language and cookie not in response.cookies:
            _set_cookie(response, language)
        return response


def _set_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (validates the code and `next`, sets the cookie), plus the
    session and the signed-in user's saved choice, and a message in the new language."""
    response = i18n.set_language(request)
    language = supported(request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER))
    if language:
        request.session[SESSION_KEY] = language
        user = request.user
        if isinstance(user, User) and user.is_authenticated:
            remember_language(user, language)
        with translation.override(language):
            name = translation.get_language_info(language)["name_translated"]
            messages.success(
                request, gettext("Language changed to %(language)s.") % {"language": name}
            )
    return response
