from django.urls import path

from employers import views

urlpatterns = [
    path("service-accounts/", views.ServiceAccountListView.as_view(), name="service-accounts"),
    path("service-accounts/<int:pk>/", views.ServiceAccountDetailView.as_view(), name="service-account"),
]
