"""Pages of school-based training (filled in by its views)."""

urlpatterns: list = []
