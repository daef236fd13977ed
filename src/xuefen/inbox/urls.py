"""URLs of :mod:`xuefen.inbox`."""

app_name = "inbox"

urlpatterns: list = []
