"""Agreement management in the admin: every change goes through sharing.services.

Forms collect the terms, the reason and (on activation) whether earlier reports are shared;
the services lock, re-compute grants and audit (channel "admin"). A refused change comes back
as a message or a form error, never as a half-applied state.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from agencies.models import Country
from agencies.roles import is_portal_admin
from portal.typing import signed_in_user
from sharing import services
from sharing.access import SyncResult
from sharing.admin.base import ReadOnlyAdmin
from sharing.models import Agreement, AgreementChange, AuditChannel, Category, Tlp
from sharing.services.agreements import ChangeSpec
from sharing.web.context import request_context

MAX_TLP_CHOICES = [(Tlp.GREEN.value, Tlp.GREEN.label), (Tlp.AMBER.value, Tlp.AMBER.label)]


class AgreementTermsForm(forms.Form):
    title = forms.CharField(max_length=200)
    reference = forms.CharField(max_length=100, help_text="Legal reference, e.g. MoU number.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    parties = forms.ModelMultipleChoiceField(
        queryset=Country.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="At least two countries.",
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.order_by("name"), widget=forms.CheckboxSelectMultiple
    )
    max_tlp = forms.TypedChoiceField(
        label="Highest marking", choices=MAX_TLP_CHOICES, coerce=int, initial=Tlp.GREEN.value
    )
    valid_from = forms.DateField(widget=AdminDateWidget)
    valid_until = forms.DateField(
        widget=AdminDateWidget, required=False, help_text="Last day in force; empty: open-ended."
    )


class AmendForm(forms.Form):
    parties = AgreementTermsForm.base_fields["parties"]
    categories = AgreementTermsForm.base_fields["categories"]
    max_tlp = AgreementTermsForm.base_fields["max_tlp"]
    valid_until = AgreementTermsForm.base_fields["valid_until"]
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="On the record.")


class StateChangeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="On the record."
    )
    share_existing = forms.BooleanField(
        required=False,
        label="Also share reports published since the agreement's valid-from date",
    )


def available_changes(agreement: Agreement) -> list[tuple[AgreementChange, ChangeSpec]]:
    return [(change, services.CHANGES[change]) for change in services.allowed_changes(agreement)]


def _errors(exc: ValidationError | PermissionDenied) -> list[str]:
    return list(getattr(exc, "messages", [str(exc)]))


def _summary(result: SyncResult, agreement: Agreement) -> str:
    note = agreement.settlement_note()
    if note:
        return note[0].upper() + note[1:] + "."
    if agreement.enforced:
        return f"{result.granted} grants written, {result.revoked} revoked."
    return "Nothing is shared under it."


def add_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Create a draft agreement through services.create_agreement."""
    form = AgreementTermsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.create_agreement(
                actor=signed_in_user(request),
                title=data["title"],
                reference=data["reference"],
                description=data["description"],
                parties=data["parties"],
                categories=data["categories"],
                max_tlp=data["max_tlp"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                context=request_context(request, AuditChannel.ADMIN),
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, f"Draft agreement {agreement.reference} created.")
            return HttpResponseRedirect(
                reverse("admin:sharing_agreement_change", args=[agreement.pk])
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Add agreement (draft)",
        "form": form,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/sharing/agreement/terms_form.html", context)


def change_state_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, slug: str
) -> HttpResponse:
    """Confirm one lifecycle change with its reason, then run it through the service."""
    if slug not in AgreementChange.values:
        raise Http404("No such change.")
    if not is_portal_admin(request.user):
        raise PermissionDenied
    change = AgreementChange(slug)
    agreement = model_admin.get_object(request, object_id)
    if agreement is None:
        raise Http404("No such agreement.")
    spec = services.CHANGES[change]
    back = reverse("admin:sharing_agreement_change", args=[agreement.pk])
    if agreement.state not in spec.allowed_from:
        messages.error(request, f"A {agreement.state} agreement cannot be {change.label.lower()}d.")
        return HttpResponseRedirect(back)
    form: forms.Form
    if change == AgreementChange.AMEND:
        form = AmendForm(
            request.POST or None,
            initial={
                "parties": list(agreement.parties.all()),
                "categories": list(agreement.categories.all()),
                "max_tlp": agreement.max_tlp,
                "valid_until": agreement.valid_until,
            },
        )
    else:
        form = StateChangeForm(request.POST or None)
        if change != AgreementChange.ACTIVATE:
            del form.fields["share_existing"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if spec.reason_required and not data["reason"].strip():
            form.add_error("reason", "Give the reason for this change; it goes on the record.")
        else:
            try:
                result = _run(agreement, change, data, request)
            except (ValidationError, PermissionDenied) as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                agreement.refresh_from_db()
                messages.success(
                    request,
                    f"{agreement.reference} is now {agreement.get_state_display().lower()}. "
                    + _summary(result, agreement),
                )
                return HttpResponseRedirect(back)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": agreement,
        "title": f"{change.label} {agreement.reference}",
        "change": change,
        "spec": spec,
        "form": form,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/sharing/agreement/change_state.html", context)


def _run(
    agreement: Agreement, change: AgreementChange, data: dict[str, Any], request: HttpRequest
) -> SyncResult:
    options: dict[str, Any] = {}
    if change == AgreementChange.ACTIVATE:
        options["share_existing"] = data["share_existing"]
    elif change == AgreementChange.AMEND:
        options |= {key: data[key] for key in ("parties", "categories", "max_tlp", "valid_until")}
    return services.apply_change(
        change,
        agreement,
        actor=signed_in_user(request),
        reason=data["reason"],
        context=request_context(request, AuditChannel.ADMIN),
        **options,
    )


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    # Lifecycle changes re-compute grants: they go through sharing.services (forms in
    # sharing.admin_agreements), never a model form save.
    list_display = (
        "title",
        "reference",
        "state",
        "in_force",
        "max_tlp",
        "valid_from",
        "valid_until",
    )
    list_filter = ("state", "enforced", "max_tlp")
    search_fields = ("title", "reference")
    change_form_template = "admin/sharing/agreement/change_form.html"

    @admin.display(boolean=True, description="in force", ordering="enforced")
    def in_force(self, agreement: Agreement) -> bool:
        return agreement.is_in_force(timezone.localdate())

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Its own add page (add_view below) calls services.create_agreement.
        return is_portal_admin(request.user)

    def get_urls(self) -> list[URLPattern]:
        def change(request: HttpRequest, object_id: str, change: str) -> HttpResponse:
            return change_state_view(self, request, object_id, slug=change)

        return [
            path(
                "<path:object_id>/change-state/<slug:change>/",
                self.admin_site.admin_view(change),
                name="sharing_agreement_change_state",
            ),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return add_view(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        agreement = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if agreement is not None:
            # The services refuse others; the page does not offer them what they would refuse.
            extra["lifecycle"] = (
                available_changes(agreement) if is_portal_admin(request.user) else []
            )
            extra["parties"] = ", ".join(str(c) for c in agreement.parties.order_by("name"))
            extra["live_grants"] = agreement.disseminations.filter(revoked_at__isnull=True).count()
            extra["settlement_note"] = agreement.settlement_note()
            extra["in_force"] = agreement.is_in_force(timezone.localdate())
        return super().change_view(request, object_id, form_url, extra)
