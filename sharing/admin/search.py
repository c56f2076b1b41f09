"""Admin of the stop-list of common values: added and removed through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.admin import ServiceAdmin
from sharing import services
from sharing.models import CommonValue


@admin.register(CommonValue)
class CommonValueAdmin(ServiceAdmin):
    list_display = ("value", "type", "note", "created_at")
    list_filter = ("type",)
    search_fields = ("value", "note")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An entry is added or removed, never edited: the record says which value it held.
        return ("type", "value", "note") if obj is not None else ()

    def create(self, request: HttpRequest, form: Any) -> CommonValue:
        data = form.cleaned_data
        return services.add_common_value(
            actor=self.actor(request),
            type=data["type"],
            value=data["value"],
            note=data["note"],
            context=self.context(request),
        )

    def remove(self, request: HttpRequest, obj: CommonValue) -> None:
        services.remove_common_value(obj, actor=self.actor(request), context=self.context(request))
