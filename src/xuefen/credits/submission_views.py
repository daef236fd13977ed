"""Pages of the credit workflow (filled in by its views)."""

urlpatterns: list = []
