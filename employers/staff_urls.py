"""Staff pages (under /review/): employer approval queue, request review queue and decisions."""

urlpatterns = []
