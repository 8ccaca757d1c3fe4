from django.urls import path

from bench.prototype import WorkerListPrototype
from twp.urls import handler404, handler500  # noqa: F401
from twp.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("api/bench/workers/", WorkerListPrototype.as_view(), name="bench-worker-list"),
    *project_urlpatterns,
]
