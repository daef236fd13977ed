"""Settings for ``benchmarks/scale.py``: ``scripts/run.sh``'s settings (``local``: debug off,
WhiteNoise, the Chinese error pages) with one more URL, the bare view the pages are compared
with (:mod:`scale_urls`)."""

from xuefen.web.settings.local import *  # noqa: F403

ROOT_URLCONF = "scale_urls"
