"""Supervision use cases, one module per topic; service.py composes them."""
