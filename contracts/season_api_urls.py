from contracts import season_api
from twp.api.router import router

router.register("allocation-runs", season_api.AllocationRunViewSet, basename="allocation-run")

urlpatterns = []
