"""Admin registration of the sharing app: every save goes through a service or is read-only."""

from sharing.admin import agreements, audit, reports, search

__all__ = ["agreements", "audit", "reports", "search"]
