"""Staff pages of selection and allocation, under /review/ next to the request they belong to."""

from django.urls import path

from contracts import views

urlpatterns = [
    path("requests/<uuid:public_id>/candidates/", views.CandidatesView.as_view(), name="review-request-candidates"),
    path("requests/<uuid:public_id>/candidates/allocate/", views.AllocateView.as_view(),
         name="review-request-allocate"),
]
