"""The portal's URLs plus two views that fail, to see what a server error looks like."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from portal import urls
from sharing.api.views import APIBase


class FailingView(APIBase):
    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internals: password=hunter2")


def failing_plain_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


urlpatterns = [
    path("api/v1/failing/", FailingView.as_view()),
    path("api/v1/failing-plain/", failing_plain_view),
    *urls.urlpatterns,
]
handler500 = urls.handler500
