"""Import pages (filled in by their views)."""

urlpatterns: list = []
