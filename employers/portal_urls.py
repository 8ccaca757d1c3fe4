"""Pages of the employer portal (under /portal/): sign-up, invitations, requests, worksites."""

from django.urls import path

from employers import portal_views as views

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="employer-home"),
    path("sign-up/", views.sign_up, name="employer-sign-up"),
    path("sign-up/regions/", views.sign_up_regions, name="employer-sign-up-regions"),
    path("requests/new/", views.RequestCreateView.as_view(), name="employer-request-create"),
    path("requests/<uuid:public_id>/", views.RequestDetailView.as_view(), name="employer-request-detail"),
    path("requests/<uuid:public_id>/edit/", views.RequestUpdateView.as_view(), name="employer-request-edit"),
    path("requests/<uuid:public_id>/submit/", views.RequestSubmitView.as_view(), name="employer-request-submit"),
    path("requests/<uuid:public_id>/cancel/", views.RequestCancelView.as_view(), name="employer-request-cancel"),
    path("requests/<uuid:public_id>/copy/", views.RequestCopyView.as_view(), name="employer-request-copy"),
    path("requests/<uuid:public_id>/amend/", views.RequestAmendView.as_view(), name="employer-request-amend"),
    path("requests/<uuid:public_id>/named-workers/", views.NamedWorkerAddView.as_view(),
         name="employer-named-worker-add"),
    path("requests/<uuid:public_id>/named-workers/<uuid:worker_id>/remove/", views.NamedWorkerRemoveView.as_view(),
         name="employer-named-worker-remove"),
    path("worksites/", views.WorksiteListView.as_view(), name="employer-worksites"),
    path("worksites/new/", views.WorksiteFormView.as_view(), name="employer-worksite-create"),
    path("worksites/<uuid:public_id>/edit/", views.WorksiteFormView.as_view(), name="employer-worksite-edit"),
    path("colleagues/", views.ColleaguesView.as_view(), name="employer-colleagues"),
    path("invitations/<str:token>/", views.invitation_accept, name="employer-invitation-accept"),
]
