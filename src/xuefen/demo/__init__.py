"""Demo data: ``python manage.py seed_demo`` builds a realistic county through the services."""
