from django.urls import path

from certification import views

urlpatterns = [
    path("verify/", views.verify, name="certificate-verify"),
    path("certifications/issue/<uuid:worker_id>/", views.certificate_issue, name="certificate-issue"),
    path("certifications/sessions/", views.session_list, name="session-list"),
    path("certifications/sessions/<uuid:session_id>/", views.session_detail, name="session-detail"),
    path("certifications/<uuid:certificate_id>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("certifications/<uuid:certificate_id>/pdf/", views.certificate_download, name="certificate-pdf"),
]
