"""xuefen (学分): teachers' in-service training hours and credits under regional policies."""

__version__ = "0.1.0"
