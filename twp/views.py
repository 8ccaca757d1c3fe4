"""Pages of the twp app: the home pages each role lands on after signing in; administrators'
list of failed notifications."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View, defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from twp import services
from twp.exceptions import DomainError, InvalidTransition
from twp.forms import SecondFactorForm
from twp.messaging import mask_address
from twp.models import Notification
from twp.panels import staff_home_panels
from twp.permissions import ProgramStaffRequiredMixin
from twp.security import needs_second_factor, session_is_verified


def home(request):
    """Send each role to its own home page."""
    if request.user.is_employer_user:
        return redirect("employer-home")
    return redirect("staff-home")


class StaffHomeView(ProgramStaffRequiredMixin, TemplateView):
    """What needs action today. The apps that own the work fill its panels (``twp.panels``:
    requests to review, employers awaiting approval, overdue returns and the on-time return
    rate); the panel of a later issue (contracts ending) shows an empty state until then."""

    template_name = "twp/staff_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = staff_home_panels(self.request)
        return context


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """The second step of signing in: the current TOTP code of one of the user's devices.

    A user who needs a second factor but has no device is told to ask an administrator (they
    create devices); nothing else opens for them until then."""
    if not needs_second_factor(request.user) or session_is_verified(request):
        return redirect(_safe_next(request))
    has_device = user_has_device(request.user, confirmed=True)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and has_device and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("otp", _("The code is wrong or has expired. Enter the current code."))
    return render(
        request,
        "registration/second_factor.html",
        {"form": form, "has_device": has_device, "next": _safe_next(request)},
        status=200 if has_device else 403,
    )


@login_not_required
@never_cache
def email_verify(request, token: str):
    """The link of the verification e-mail: marks the address verified, or says why not."""
    try:
        user = services.email_verification_confirm(token=token)
    except DomainError as error:
        return render(request, "registration/email_verified.html", {"error": error.message}, status=400)
    return render(request, "registration/email_verified.html", {"verified_user": user})


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request, exception):
    """404: JSON under /api/ (REST clients parse it), the translated page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500: JSON under /api/; the static bilingual page elsewhere (templates/500.html)."""
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Server error: nothing was saved. Please try again later."))}, status=500)
    return defaults.server_error(request)


# --- Failed notifications (administrators) --------------------------------------------------------

NOTIFICATION_PAGE_SIZE = 50
NOTIFICATION_MAX_PAGE_SIZE = 200


class AdministratorPageMixin:
    """Administrators' pages on rows only they see (``visible_to``): for anyone else the page does
    not exist (404), like any row outside their scope. Anonymous visitors are sent to sign in by
    the login middleware first."""

    def dispatch(self, request, *args, **kwargs):
        if not getattr(request.user, "is_administrator", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class FailedNotificationListView(AdministratorPageMixin, View):
    """Notifications that were given up on, latest first: who they were for (addresses partly
    masked), how often they were tried, the last error; each can be queued again."""

    template_name = "twp/notification_failed_list.html"

    def get(self, request):
        try:
            page_size = int(request.GET.get("page_size", NOTIFICATION_PAGE_SIZE))
        except ValueError:
            page_size = NOTIFICATION_PAGE_SIZE
        page_size = max(1, min(NOTIFICATION_MAX_PAGE_SIZE, page_size))
        notifications = (
            Notification.objects.visible_to(request.user)
            .failed()
            .select_related("recipient")
            .defer("body")
            .order_by("-last_attempt_at", "-id")
        )
        page = Paginator(notifications, page_size).get_page(request.GET.get("page"))
        channels = {code: str(name) for code, name in Notification.Channel.choices}
        for notification in page:
            notification.masked_address = mask_address(notification.address, notification.channel)
            notification.channel_label = channels.get(notification.channel, notification.channel)
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, self.template_name, {
            "page": page,
            "notifications": list(page),
            "query": query.urlencode(),
        })


class NotificationRetryView(AdministratorPageMixin, View):
    """Queue a failed notification again: a confirmation page, then the retry."""

    template_name = "twp/notification_retry.html"

    def get(self, request, public_id):
        notification = self._notification(request, public_id)
        return render(request, self.template_name, {
            "notification": notification,
            "masked_address": mask_address(notification.address, notification.channel),
        })

    def post(self, request, public_id):
        notification = self._notification(request, public_id)
        try:
            services.notification_retry(notification=notification, by=request.user)
        except InvalidTransition:
            messages.error(request, _("This notification is no longer failed: nothing was changed."))
        else:
            messages.success(request, _("The notification was queued again; it will be sent within a minute."))
        return redirect("notification-failed-list")

    def _notification(self, request, public_id) -> Notification:
        return get_object_or_404(
            Notification.objects.visible_to(request.user).select_related("recipient"), public_id=public_id
        )
