"""Changes owned by the employers app: service accounts (integration clients) and their scope.

Service accounts live here, not in ``twp``, because one of their scopes is an employer."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from employers.models import Employer, EmployerMembership
from twp.exceptions import DomainError
from twp.models import Office, Role, ServiceScope, User


def service_account_create(
    *,
    username: str,
    scope: str,
    by: User,
    office: Office | None = None,
    employer: Employer | None = None,
    email: str = "",
) -> User:
    """Create an integration client scoped to exactly one office, one employer or public
    statistics. It has no password: it signs in only with tokens an administrator issues."""
    if not by.is_administrator:
        raise PermissionDenied
    if scope == ServiceScope.OFFICE and (office is None or employer is not None):
        raise DomainError(_("Choose the office, and only the office, this account is scoped to."), field="office")
    if scope == ServiceScope.EMPLOYER and (employer is None or office is not None):
        raise DomainError(
            _("Choose the employer, and only the employer, this account is scoped to."), field="employer"
        )
    if scope == ServiceScope.PUBLIC_STATISTICS and (office is not None or employer is not None):
        raise DomainError(_("A public-statistics account has no office and no employer."), field="scope")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is already taken."), field="username")
    with transaction.atomic():
        account = User(username=username, email=email, role=Role.INTEGRATION, service_scope=scope, office=office)
        account.set_unusable_password()
        account.save()
        if employer is not None:
            EmployerMembership.objects.create(user=account, employer=employer)
    return account
