"""Notifications: an inbox in the app for every workflow step that concerns a user, and an
e-mail copy where the deployment configures mail."""
