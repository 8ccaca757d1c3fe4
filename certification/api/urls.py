from django.urls import path

from certification.api import views
from twp.api.router import router

router.register("certifications/schemes", views.SchemeViewSet, basename="scheme")
router.register("certifications/sessions", views.TrainingSessionViewSet, basename="training-session")
router.register("certifications", views.CertificateViewSet, basename="certificate")

urlpatterns = [
    path("certifications/verify/<str:code>/", views.VerifyView.as_view(), name="certificate-verify-api"),
]
