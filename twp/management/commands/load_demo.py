"""Load the demo data: the SAWP Canada program, offices, workers, employers with their requests, and
one login per role.

Idempotent: every row is found by its natural key and brought to the demo values, so running it
twice leaves the same data (and the same passwords)."""

import base64

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from twp.models import Office, Program, Role, User

DEMO_PROGRAM = {
    "code": "sawp-canada",
    "name": "SAWP Canada",
    "destination_country": "CA",
    "currency": "CAD",
    "time_zone": "America/Toronto",
    "min_contract_weeks": 6,
    "min_total_hours": 240,
    "max_contract_months": 8,
    "season_start_month": 1,
    "season_start_day": 1,
    "season_end_month": 12,
    "season_end_day": 15,
    "return_grace_days": 7,
    "minimum_age": 18,
    "passport_validity_margin_days": 30,
    "medical_approval_max_age_days": 180,
    # Consulates need the time to review, allocate and get visas.
    "request_lead_days": 45,
}

# (name, kind, Mexican states, destination regions, staff username)
DEMO_OFFICES = [
    ("Consulado de México en Toronto", "consulate", [], ["CA-ON"], "staff.ontario"),
    ("Consulado de México en Montreal", "consulate", [], ["CA-QC"], "staff.quebec"),
    ("Consulado de México en Vancouver", "consulate", [], ["CA-BC"], "staff.bc"),
    ("Consulado de México en Calgary", "consulate", [], ["CA-AB"], "staff.alberta"),
    ("Servicio Nacional de Empleo Tlaxcala", "state_office", ["TLA"], [], "staff.tlaxcala"),
    ("Servicio Nacional de Empleo Estado de México", "state_office", ["MEX"], [], "staff.edomex"),
]

# Certification schemes from the policy paper: dairy, construction safety, English.
DEMO_SCHEMES = [
    ("dairy-milk-quality", "Calidad de la leche en establos lecheros", "Dairy milk-quality training", 24,
     "Secretaría de Agricultura y Desarrollo Rural"),
    ("construction-safety", "Seguridad en el trabajo de la construcción", "Workplace safety for construction", 12,
     "Secretaría del Trabajo y Previsión Social"),
    ("english-a2", "Inglés, nivel A2", "English, level A2", 36, "Secretaría de Educación Pública"),
]

# Fixed TOTP secrets (base32, as authenticator apps take them) of the demo administrator and of
# every demo staff account. Demo only: real devices get random keys from the admin.
DEMO_TOTP_SECRETS = {
    Role.ADMINISTRATOR: "TWPADMINDEMOSECRETKEYAAAAAAAAAAA",
    Role.STAFF: "TWPSTAFFDEMOSECRETKEYAAAAAAAAAAA",
}

# The logins `make run` prints and README.md lists, one per role: role, username, password and
# the TOTP secret of the second factor ("" where none is needed).
DEMO_LOGINS = [
    ("administrator", "admin", "TWP-demo-admin-2026", DEMO_TOTP_SECRETS[Role.ADMINISTRATOR]),
    ("office staff", "staff.ontario", "TWP-demo-staff-2026", DEMO_TOTP_SECRETS[Role.STAFF]),
    ("employer", "employer.demo", "TWP-demo-employer-2026", ""),
]
# Demo workers come from the generator with a fixed seed, mostly from the states of the two demo
# state offices (Tlaxcala, Estado de México) so their staff see them.
DEMO_WORKER_SEED = 2026
DEMO_WORKER_COUNT = 200

PASSWORDS = {
    Role.ADMINISTRATOR: "TWP-demo-admin-2026",
    Role.STAFF: "TWP-demo-staff-2026",
    Role.EMPLOYER: "TWP-demo-employer-2026",
}


def _user(username: str, *, role: str, office: Office | None = None, language: str = "es", **extra) -> User:
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "office": office,
            "email": f"{username}@demo.twp.localhost",
            "preferred_language": language,
            "is_active": True,
            **extra,
        },
    )
    if not user.check_password(PASSWORDS[role]):
        user.set_password(PASSWORDS[role])
        user.save(update_fields=["password"])
    if role in DEMO_TOTP_SECRETS:
        TOTPDevice.objects.update_or_create(
            user=user,
            name="demo",
            defaults={"key": totp_key_hex(DEMO_TOTP_SECRETS[role]), "confirmed": True},
        )
    return user


def totp_key_hex(secret: str) -> str:
    """django-otp stores the key in hex; authenticator apps take it in base32."""
    return base64.b32decode(secret).hex()


@transaction.atomic
def load_demo() -> None:
    Program.objects.update_or_create(code=DEMO_PROGRAM["code"], defaults=DEMO_PROGRAM)
    _user("admin", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True, first_name="Ana")
    for name, kind, states, regions, username in DEMO_OFFICES:
        office, _created = Office.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "mexican_states": states, "destination_regions": regions},
        )
        _user(username, role=Role.STAFF, office=office)
    # The demo composes every app's data, like the project's urls.py composes their pages.
    from certification.models import Scheme

    for code, name_es, name_en, months, issuer in DEMO_SCHEMES:
        Scheme.objects.update_or_create(
            code=code, defaults={"name_es": name_es, "name_en": name_en, "validity_months": months, "issuer": issuer}
        )
    admin = User.objects.get(username="admin")
    _demo_workers(verifier=admin)
    _demo_certificates(issuer=admin)
    # Twenty employers with worksites, the minimum wage table and requests in every status; last
    # season's requests name demo workers, whom their employers may name again.
    from employers.demo import load_demo_employers
    from workers.generator import generated_workers

    program = Program.objects.get(code=DEMO_PROGRAM["code"])
    load_demo_employers(program=program, demo_workers=generated_workers(DEMO_WORKER_SEED).order_by("id"),
                        user_factory=_user)
    # The workers named on last season's requests worked there: returned contracts with how they
    # came home and their employer's rating, which the ranking of candidates reads.
    from contracts.demo import load_demo_contracts

    load_demo_contracts(program=program, today=timezone.localdate(), by=admin)
    # Those contracts' payroll deductions, available since their returns were confirmed.
    from savings.demo import load_demo_savings

    load_demo_savings(program=program)
    # The Observatory's figures of all of the above, without waiting for beat's first refresh.
    from observatory.facts import refresh

    refresh()


# Every DEMO_CERTIFIED_EVERY-th demo worker (oldest first) holds a dairy certificate.
DEMO_CERTIFIED_EVERY = 5


def _demo_certificates(*, issuer: User) -> None:
    """Certificates for some demo workers, so verification and the certificate rule have data."""
    import datetime

    from certification.models import Certificate, Scheme
    from certification.services import certificate_issue
    from workers.generator import generated_workers

    if Certificate.objects.filter(worker__in=generated_workers(DEMO_WORKER_SEED)).exists():
        return
    scheme = Scheme.objects.get(code="dairy-milk-quality")
    issued_on = timezone.localdate() - datetime.timedelta(days=90)
    for worker in generated_workers(DEMO_WORKER_SEED).order_by("id")[::DEMO_CERTIFIED_EVERY]:
        certificate_issue(worker=worker, scheme=scheme, issued_on=issued_on, by=issuer, score=90)


def _demo_workers(*, verifier: User) -> None:
    from workers.generator import DEMO_STATE_WEIGHTS, generate_workers, generated_workers

    # One chunk, one transaction: the seed's workers are either all there or none, so "any there"
    # means the demo workers were loaded before.
    if generated_workers(DEMO_WORKER_SEED).exists():
        return
    generate_workers(count=DEMO_WORKER_COUNT, seed=DEMO_WORKER_SEED, as_of=timezone.localdate(), verifier=verifier,
                     state_weights=DEMO_STATE_WEIGHTS)


class Command(BaseCommand):
    help = "Load the demo program, offices, employers, requests and one login per role (idempotent)."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write("Demo data loaded. Demo logins (role, username, password, TOTP secret):")
        for role, username, password, secret in DEMO_LOGINS:
            self.stdout.write(f"  {role:<15} {username:<15} {password:<24} {secret or '-'}")
        self.stdout.write("Every demo staff account shares the office-staff TOTP secret.")
