"""Users, countries, agencies and memberships; each country and agency owns one auth Group."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth import get_backends
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. Their agency and role come from their Membership."""

    # Chosen in the language switcher and applied at every sign-in; empty: the browser's.
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("Language of the portal for this user; empty: the browser's."),
    )

    class Meta:
        db_table = "agencies_user"
        # The one role above agencies; checked only through agencies.roles.is_portal_admin.
        permissions = [
            ("portal_admin", "Portal admin: manages agreements, agencies, members and keys"),
        ]
        constraints = [
            # "Ana" and "ana" must not be two people.
            models.UniqueConstraint(Upper("username"), name="user_username_ci_unique"),
        ]

    @property
    def agency(self) -> Agency | None:
        membership = getattr(self, "membership", None)
        return membership.agency if membership is not None else None

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        """Django's answer, except that an object check never passes just for a superuser.

        Portal admins are bound by need-to-know like everyone: whether they may see a report
        is for the backends to say (sharing.access.backend, the same answer as visible_to).
        Model-level checks, the admin's, keep the superuser shortcut.
        """
        if obj is None:
            return super().has_perm(perm)
        for backend in get_backends():
            if not hasattr(backend, "has_perm"):
                continue
            try:
                if backend.has_perm(self, perm, obj):
                    return True
            except PermissionDenied:
                return False
        return False

    async def ahas_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        if obj is None:
            return await super().ahas_perm(perm)
        return await sync_to_async(self.has_perm)(perm, obj)


class Country(models.Model):
    code = models.CharField(
        max_length=2, unique=True, help_text="ISO 3166-1 alpha-2 code, upper case."
    )
    name = models.CharField(max_length=100, unique=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="country")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso_alpha2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @staticmethod
    def group_name(code: str) -> str:
        return f"country:{code}"


class AgencyKind(models.TextChoices):
    BORDER_GUARD = "border_guard", _("Border guard")
    CUSTOMS = "customs", _("Customs")
    POLICE = "police", _("Police")
    IMMIGRATION = "immigration", _("Immigration")
    COAST_GUARD = "coast_guard", _("Coast guard")
    ANTI_NARCOTICS = "anti_narcotics", _("Anti-narcotics")
    WILDLIFE = "wildlife", _("Wildlife service")
    INTELLIGENCE = "intelligence", _("Intelligence")


class Agency(models.Model):
    code = models.SlugField(
        max_length=32, unique=True, help_text="Short unique code, e.g. co-migracion."
    )
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="agencies")
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country__name", "name"]
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "name"], name="agency_name_unique_in_country"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.short_name or self.name} ({self.country.code})"

    @staticmethod
    def group_name(code: str) -> str:
        return f"agency:{code}"


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")


class Membership(models.Model):
    """A user's single agency and role; joining puts the user in the agency and country groups."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANALYST)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "user__username"]
        indexes = [models.Index(fields=["agency", "role"])]

    def __str__(self) -> str:
        return f"{self.user} - {self.agency} ({self.get_role_display()})"
