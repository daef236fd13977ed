"""Logins: throttling (django-axes), the audit of logins, failures and lock-outs, and the
audited lifting of a lock."""
