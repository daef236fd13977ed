"""The Django project of xuefen: settings, root URLs, WSGI/ASGI entry points.

The apps (``org``, ``catalog``, ``records``, ``results``, ``audit``) live beside this package
under ``xuefen``; this package only wires them together.
"""
