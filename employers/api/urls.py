"""The employers app's REST resources: employers, their worksites, worker requests."""

from employers.api.views import EmployerViewSet
from twp.api.router import router

router.register("employers", EmployerViewSet, basename="employer")

urlpatterns = []
