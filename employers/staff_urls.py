"""Staff pages (under /review/): employer approval queue, request review queue and decisions."""

from django.urls import path

from employers import staff_views as views

urlpatterns = [
    path("employers/", views.EmployerQueueView.as_view(), name="review-employer-list"),
    path("employers/<uuid:public_id>/", views.EmployerDetailView.as_view(), name="review-employer-detail"),
    path("employers/<uuid:public_id>/<slug:action>/", views.EmployerDecisionView.as_view(),
         name="review-employer-decide"),
    path("requests/", views.RequestQueueView.as_view(), name="review-request-list"),
    path("requests/<uuid:public_id>/", views.RequestDetailView.as_view(), name="review-request-detail"),
    path("requests/<uuid:public_id>/named-workers/", views.RequestNameWorkerView.as_view(),
         name="review-request-name-worker"),
    path("requests/<uuid:public_id>/named-workers/remove/", views.RequestUnnameWorkerView.as_view(),
         name="review-request-unname-worker"),
    path("requests/<uuid:public_id>/<slug:action>/", views.RequestDecisionView.as_view(),
         name="review-request-decide"),
]
