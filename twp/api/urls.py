from django.urls import path

from twp.api import views
from twp.api.router import router

router.register("programs", views.ProgramViewSet, basename="program")
router.register("offices", views.OfficeViewSet, basename="office")

urlpatterns = [
    path("auth/token/", views.TokenCreateView.as_view(), name="api-token"),
    path("auth/token/revoke/", views.TokenRevokeView.as_view(), name="api-token-revoke"),
]
