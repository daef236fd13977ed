"""Layered settings: ``base`` reads the environment, ``dev``/``test``/``prod`` adjust it.

Pick one with ``DJANGO_SETTINGS_MODULE`` (``manage.py`` defaults to ``xuefen.web.settings.dev``,
pytest to ``xuefen.web.settings.test``; production uses ``xuefen.web.settings.prod``).
"""
