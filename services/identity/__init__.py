"""Accounts, grants and sign-in: the platform's own identity provider (docs/identity.md)."""
