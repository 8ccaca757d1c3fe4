from twp.api.router import router
from twp.imports import api

router.register("imports", api.ImportJobViewSet, basename="import-job")

urlpatterns = []
