"""URLs of :mod:`xuefen.records`."""

app_name = "records"

urlpatterns: list = []
