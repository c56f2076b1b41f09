"""The portal's URLs plus stand-ins for screens that later work adds, for navigation tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _screen(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [
    path("search/", _screen, name="search"),
    path("alerts/", _screen, name="alerts"),
    path("access-requests/", _screen, name="access-requests"),
    path("agency/", _screen, name="agency-admin"),
    path("", include("portal.urls")),
]
