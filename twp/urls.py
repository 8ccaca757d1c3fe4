from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from twp import views
from twp.api.router import router

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.StaffHomeView.as_view(), name="staff-home"),
    path("staff/observatory/", include("observatory.staff_urls")),
    path("notifications/failed/", views.FailedNotificationListView.as_view(), name="notification-failed-list"),
    path("notifications/<uuid:public_id>/retry/", views.NotificationRetryView.as_view(), name="notification-retry"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/", views.second_factor, name="otp-verify"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/verify-email/<str:token>/", views.email_verify, name="email-verify"),
    path("admin-tools/", include("employers.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # The composition root: each app's API and pages, then the shared router they registered into.
    path("api/v1/", include("twp.api.urls")),
    path("api/v1/", include("workers.api.urls")),
    path("api/v1/", include("certification.api.urls")),
    path("api/v1/", include("twp.imports.api_urls")),
    path("api/v1/", include("employers.api.urls")),
    path("api/v1/", include("contracts.api.urls")),
    path("api/v1/", include("contracts.season_api_urls")),
    path("api/v1/", include("savings.api.urls")),
    path("api/v1/", include("observatory.api_urls")),
    path("api/v1/", include(router.urls)),
    path("workers/", include("workers.urls")),
    path("portal/", include("employers.portal_urls")),
    # Before the employers' review pages: their "requests/<id>/<action>/" would take "candidates".
    path("review/", include("contracts.urls")),
    path("contracts/", include("contracts.contract_urls")),
    path("returns/", include("contracts.return_urls")),
    path("savings/", include("savings.urls")),
    path("observatory/", include("observatory.urls")),
    path("review/", include("employers.staff_urls")),
    path("imports/", include("twp.imports.urls")),
    path("exports/", include("twp.export_urls")),
    path("allocation/season/", include("contracts.season_urls")),
    path("", include("certification.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "twp.views.page_not_found"
handler500 = "twp.views.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
