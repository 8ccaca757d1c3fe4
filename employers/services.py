"""Changes owned by the employers app: employers (sign-up, approval), worksites, invitations, and
service accounts (integration clients) and their scope. Worker requests: ``employers.worker_requests``.

Service accounts live here, not in ``twp``, because one of their scopes is an employer."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from employers.models import (
    Employer,
    EmployerInvitation,
    EmployerMembership,
    EmployerStatusChange,
    Worksite,
    employer_of,
)
from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.models import Office, Role, ServiceScope, User
from twp.services import notification_enqueue


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


# --- Employers: sign-up, edits, approval -------------------------------------------------------

EMPLOYER_FIELDS = ("legal_name", "country", "region", "business_number", "sector", "contact_name",
                   "contact_email", "contact_phone")
WORKSITE_FIELDS = ("name", "address", "city", "region", "postal_code", "housing_capacity",
                   "housing_inspected_on", "housing_inspection_result", "housing_valid_until")

# action → (statuses it starts from, status it leads to). Who may act: ``Employer.objects.governed_by``.
EMPLOYER_TRANSITIONS = {
    "approve": ({Employer.Status.PENDING, Employer.Status.SUSPENDED}, Employer.Status.APPROVED),
    "reject": ({Employer.Status.PENDING}, Employer.Status.REJECTED),
    "suspend": ({Employer.Status.APPROVED}, Employer.Status.SUSPENDED),
}
EMPLOYER_REASON_REQUIRED = {"reject", "suspend"}


def _full_clean(instance, exclude=None):
    instance.full_clean(exclude=exclude)


@transaction.atomic
def employer_sign_up(*, username: str, email: str, password: str, worksite: dict, preferred_language: str = "en",
                     **fields) -> Employer:
    """An employer registers itself, its first worksite and its first user. It stays pending, and
    may only draft requests, until the consulate over its worksites approves it."""
    from django.contrib.auth.password_validation import validate_password

    from employers.validators import normalize_business_number

    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    employer = Employer(**{name: value for name, value in fields.items() if name in EMPLOYER_FIELDS})
    employer.business_number = normalize_business_number(employer.country, employer.business_number)
    _full_clean(employer)
    employer.save()
    site = Worksite(employer=employer, **{name: value for name, value in worksite.items() if name in WORKSITE_FIELDS})
    _full_clean(site)
    site.save()
    user = User(username=username, email=email, role=Role.EMPLOYER, preferred_language=preferred_language)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    EmployerMembership.objects.create(user=user, employer=employer)
    EmployerStatusChange.objects.create(employer=employer, from_status="", to_status=employer.status,
                                        reason=str(_("Signed up")), changed_by=user)
    _notify_consulates_of_sign_up(employer, site)
    return employer


def employer_update(*, employer: Employer, by: User, version: int, **fields) -> Employer:
    from employers.validators import normalize_business_number

    with transaction.atomic():
        current = Employer.objects.select_for_update().get(pk=employer.pk)
        if current.version != version:
            raise StaleVersion()
        for name, value in fields.items():
            if name not in EMPLOYER_FIELDS:
                raise DomainError(_("This field cannot be changed here."), field=name)
            setattr(current, name, value)
        current.business_number = normalize_business_number(current.country, current.business_number)
        _full_clean(current)
        current.version = F("version") + 1
        current.save()
    current.refresh_from_db()
    return current


def employer_allowed_actions(employer: Employer, user: User) -> list[str]:
    # Lists annotate ``caller_governs`` for the user they are shown to (see worker_requests._governs).
    governed = getattr(employer, "caller_governs", None)
    if governed is None:
        governed = Employer.objects.governed_by(user).filter(pk=employer.pk).exists()
    if not governed:
        return []
    return sorted(action for action, (sources, _to) in EMPLOYER_TRANSITIONS.items() if employer.status in sources)


@transaction.atomic
def employer_change_status(*, employer: Employer, action: str, by: User, reason: str = "") -> Employer:
    """Approve, reject or suspend an employer (administrators and the consulates over its
    worksites), writing the status-change row; the employer's users are told."""
    if not Employer.objects.governed_by(by).filter(pk=employer.pk).exists():
        raise PermissionDenied
    if action in EMPLOYER_REASON_REQUIRED and not reason.strip():
        raise DomainError(_("Give the reason: the employer will read it."), field="reason")
    current = Employer.objects.select_for_update().get(pk=employer.pk)
    sources, target = EMPLOYER_TRANSITIONS[action]
    if current.status not in sources:
        raise InvalidTransition(current=current.status, action=action,
                                allowed=employer_allowed_actions(current, by))
    previous = current.status
    current.status = target
    current.status_reason = reason.strip() if action in EMPLOYER_REASON_REQUIRED else ""
    current.version = F("version") + 1
    current.save(update_fields=["status", "status_reason", "version", "updated_at"])
    change = EmployerStatusChange.objects.create(employer=current, from_status=previous, to_status=target,
                                                 reason=reason.strip(), changed_by=by)
    subjects = {
        Employer.Status.APPROVED: _("Your employer registration is approved"),
        Employer.Status.REJECTED: _("Your employer registration was not approved"),
        Employer.Status.SUSPENDED: _("Your employer account is suspended"),
    }
    for user in employer_users(current):
        notification_enqueue(
            key=f"employer:{current.pk}:status:{change.pk}:user:{user.pk}", kind=f"employer-{target}",
            recipient=user, subject=subjects[target],
            body=format_lazy("{subject}: {name}\n\n{reason}", subject=subjects[target], name=current.legal_name,
                             reason=reason.strip()),
        )
    current.refresh_from_db()
    return current


def employer_users(employer: Employer):
    """The people who act for an employer and can receive e-mail (never its service accounts)."""
    return User.objects.filter(employer_membership__employer=employer, role=Role.EMPLOYER, is_active=True).exclude(
        email="")


def consulate_staff(region: str):
    """Active staff of the consulates whose jurisdiction includes ``region``."""
    return User.objects.filter(role=Role.STAFF, is_active=True, office__kind=Office.Kind.CONSULATE,
                               office__destination_regions__contains=[region]).exclude(email="")


def _notify_consulates_of_sign_up(employer: Employer, site: Worksite) -> None:
    for user in consulate_staff(site.region):
        notification_enqueue(
            key=f"employer:{employer.pk}:signed-up:user:{user.pk}", kind="employer-signed-up", recipient=user,
            subject=_("A new employer asks for approval"),
            body=format_lazy("{intro} {name} ({region})", intro=_("A new employer signed up and waits for approval:"),
                             name=employer.legal_name, region=site.get_region_display()),
        )


# --- Worksites --------------------------------------------------------------------------------

def worksite_save(*, employer: Employer, by: User, worksite: Worksite | None = None, **fields) -> Worksite:
    """Add a worksite to an employer or change one. Rules live in ``Worksite.clean``."""
    site = worksite or Worksite(employer=employer)
    for name, value in fields.items():
        if name not in WORKSITE_FIELDS:
            raise DomainError(_("This field cannot be changed here."), field=name)
        setattr(site, name, value)
    if site.housing_inspection_result == Worksite.Inspection.PENDING:
        site.housing_inspected_on = site.housing_valid_until = None
    _full_clean(site)
    site.save()
    return site


# --- Invitations: an employer's first user invites colleagues -------------------------------

INVITATION_DAYS = 7


@transaction.atomic
def invitation_send(*, employer: Employer, email: str, by: User, base_url: str) -> EmployerInvitation:
    """E-mail a colleague a link that creates an account of the same employer (valid 7 days)."""
    if employer_of(by) != employer or by.is_service_account:
        raise PermissionDenied
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email, is_active=True).exists():
        raise DomainError(_("Someone already has an account with this e-mail address."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = EmployerInvitation.objects.create(
        employer=employer, email=email, token_digest=EmployerInvitation.digest(token), invited_by=by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    link = base_url.rstrip("/") + reverse("employer-invitation-accept", kwargs={"token": token})
    notification_enqueue(
        key=f"employer-invitation:{invitation.pk}", kind="employer-invitation", address=email,
        language=by.preferred_language,
        subject=format_lazy(_("{name} invites you to TWP"), name=employer.legal_name),
        body=format_lazy("{intro}\n\n{link}\n\n{outro}", intro=_("Open this link to create your account:"),
                         link=link, outro=_("The link is valid for 7 days.")),
    )
    return invitation


def invitation_for_token(token: str) -> EmployerInvitation:
    invitation = (EmployerInvitation.objects.select_related("employer")
                  .filter(token_digest=EmployerInvitation.digest(token), accepted_at__isnull=True,
                          expires_at__gt=timezone.now()).first())
    if invitation is None:
        raise DomainError(_("This invitation is not valid or has expired. Ask your colleague for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, preferred_language: str = "en") -> User:
    from django.contrib.auth.password_validation import validate_password

    invitation = invitation_for_token(token)
    invitation = EmployerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise DomainError(_("This invitation is not valid or has expired. Ask your colleague for a new one."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(username=username, email=invitation.email, role=Role.EMPLOYER,
                preferred_language=preferred_language, email_verified_at=timezone.now())
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    EmployerMembership.objects.create(user=user, employer=invitation.employer)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return user
