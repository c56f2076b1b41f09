"""Countries, agencies, memberships and partner systems."""
