"""English formats of the portal."""
