"""URLs of :mod:`xuefen.review`."""

app_name = "review"

urlpatterns: list = []
