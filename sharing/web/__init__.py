"""The analyst pages: parse input, check access, call a service, render."""
