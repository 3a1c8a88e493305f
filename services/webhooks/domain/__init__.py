"""The webhooks service's pure rules: signing (signing.py), the retry schedule (backoff.py), which events a
subscription receives and what their payloads carry (filtering.py), the event types it offers (catalogue.py)."""
