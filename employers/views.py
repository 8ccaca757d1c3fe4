"""Administrator pages for integration clients: create service accounts, issue and revoke tokens."""

from django.contrib.auth.mixins import AccessMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from knox.models import AuthToken

from employers import services
from employers.forms import ServiceAccountForm, TokenIssueForm
from twp import services as twp_services
from twp.exceptions import DomainError
from twp.models import Role, User


class AdministratorRequiredMixin(AccessMixin):
    """Program administrators only; everyone else gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_administrator:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def _service_accounts():
    return (
        User.objects.filter(role=Role.INTEGRATION)
        .select_related("office", "employer_membership__employer")
        .order_by("username")
    )


class ServiceAccountListView(AdministratorRequiredMixin, View):
    template_name = "employers/service_accounts.html"

    def get(self, request):
        return self.render(ServiceAccountForm())

    def post(self, request):
        form = ServiceAccountForm(request.POST)
        if form.is_valid():
            try:
                account = services.service_account_create(by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("service-account", pk=account.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(
            self.request, self.template_name, {"form": form, "accounts": _service_accounts()}, status=status
        )


class ServiceAccountDetailView(AdministratorRequiredMixin, View):
    template_name = "employers/service_account.html"

    def get(self, request, pk):
        return self.render(get_object_or_404(_service_accounts(), pk=pk), TokenIssueForm())

    def post(self, request, pk):
        account = get_object_or_404(_service_accounts(), pk=pk)
        if "revoke" in request.POST:
            token = get_object_or_404(AuthToken.objects.filter(user=account), pk=request.POST["revoke"])
            twp_services.api_token_revoke(token=token, by=request.user)
            return redirect("service-account", pk=account.pk)
        if "deactivate" in request.POST:
            twp_services.user_deactivate(user=account, by=request.user)
            return redirect("service-account", pk=account.pk)
        form = TokenIssueForm(request.POST)
        if form.is_valid():
            try:
                instance, token = twp_services.api_token_issue(
                    user=account, by=request.user, days=form.cleaned_data["days"]
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                # Shown this once: knox stores only a digest. The page is never cached.
                return self.render(account, TokenIssueForm(), new_token=token, new_token_expiry=instance.expiry)
        return self.render(account, form, status=400 if form.errors else 200)

    def render(self, account, form, status=200, **extra):
        tokens = AuthToken.objects.filter(user=account, expiry__gt=timezone.now()).order_by("-created")
        return render(
            self.request,
            self.template_name,
            {"account": account, "form": form, "tokens": tokens, "page_title": _("Service account"), **extra},
            status=status,
        )
