"""Alerts: subscriptions, the alert outbox and its deliveries (models in `models.py`)."""
