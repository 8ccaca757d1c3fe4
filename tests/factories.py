"""factory_boy factories: one per model, with values a real office would type."""

import base64
import datetime
import decimal
import time

import factory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from employers.models import Employer, EmployerMembership, RequestStatus, WorkerRequest, Worksite
from twp.models import Office, Program, Role, User
from workers.models import Occupation

PASSWORD = "Correct-horse-battery-9"
# Every test device shares this TOTP secret (base32, as an authenticator app would show it).
TOTP_SECRET = "TWPTESTSECRETFORTOTPDEVICESAAAAA"


def totp_code(secret: str = TOTP_SECRET, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app with ``secret`` shows now (or ``steps_ahead`` periods later)."""
    totp = TOTP(base64.b32decode(secret), step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    name = "SAWP Canada"
    code = "sawp-canada"
    destination_country = "CA"
    currency = "CAD"
    time_zone = "America/Toronto"
    min_contract_weeks = 6
    min_total_hours = 240
    max_contract_months = 8
    season_start_month = 1
    season_start_day = 1
    season_end_month = 12
    season_end_day = 15
    return_grace_days = 7


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Consulado de México número {n}")
    kind = Office.Kind.CONSULATE
    destination_regions = factory.LazyFunction(lambda: ["CA-ON"])
    mexican_states = factory.LazyFunction(list)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = Role.STAFF
    office = factory.SubFactory(OfficeFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    legal_name = factory.Sequence(lambda n: f"Farm number {n} Ltd.")
    country = "CA"
    region = "CA-ON"
    status = Employer.Status.APPROVED
    contact_name = "Pat Grower"
    contact_email = factory.Sequence(lambda n: f"office{n}@farm.example.org")


class WorksiteFactory(factory.django.DjangoModelFactory):
    """A worksite whose housing passed an inspection valid from a year ago to two years ahead."""

    class Meta:
        model = Worksite

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"Field {n}")
    address = "1 Concession Road"
    city = "Leamington"
    region = factory.LazyAttribute(lambda site: site.employer.region or f"{site.employer.country}-ON")
    housing_inspection_result = Worksite.Inspection.PASSED
    housing_inspected_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    housing_valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=730))


def next_season_start() -> datetime.date:
    """A Monday in May of next year: always past the lead time and inside the SAWP season."""
    day = datetime.date(timezone.localdate().year + 1, 5, 1)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


class WorkerRequestFactory(factory.django.DjangoModelFactory):
    """A draft for 4 workers over 12 weeks of next season (use the services to change status,
    or pass ``status`` for a fixture that does not care how it got there)."""

    class Meta:
        model = WorkerRequest

    employer = factory.SubFactory(EmployerFactory)
    program = factory.SubFactory(ProgramFactory)
    worksite = factory.LazyAttribute(lambda request: WorksiteFactory(employer=request.employer))
    occupation = factory.LazyFunction(lambda: Occupation.objects.order_by("code").first())
    workers_requested = 4
    start_date = factory.LazyFunction(next_season_start)
    end_date = factory.LazyAttribute(lambda request: request.start_date + datetime.timedelta(weeks=12))
    season = factory.LazyAttribute(lambda request: request.start_date.year)
    wage_amount = decimal.Decimal("17.60")
    wage_currency = "CAD"
    hours_per_week = 40
    labour_market_reference = "1234567"
    status = RequestStatus.DRAFT
    submitted_at = factory.LazyAttribute(
        lambda request: None if request.status in ("draft", "cancelled") else timezone.now())
    status_reason = factory.LazyAttribute(lambda request: "Not needed" if request.status == "rejected" else "")
    created_by = factory.LazyAttribute(lambda request: _an_employer_user(request.employer))


def _an_employer_user(employer):
    membership = employer.memberships.select_related("user").order_by("id").first()
    return membership.user if membership else EmployerUserFactory(employer=employer)


class EmployerUserFactory(UserFactory):
    role = Role.EMPLOYER
    office = None
    preferred_language = "en"

    @factory.post_generation
    def employer(obj, create, extracted, **kwargs):
        if create:
            EmployerMembership.objects.create(user=obj, employer=extracted or EmployerFactory())


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator of a user, with the shared test secret."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "phone"
    confirmed = True
    key = factory.LazyFunction(lambda: base64.b32decode(TOTP_SECRET).hex())


# --- workers -----------------------------------------------------------------------------------
import datetime  # noqa: E402
import string  # noqa: E402

from workers.models import Document, DocumentKind, Worker, search_text  # noqa: E402
from workers.validators import RENAPO_STATE_CODES, curp_check_digit  # noqa: E402

CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"


def make_curp(*, birth_date: datetime.date, sex: str, state: str, serial: int, initials: str = "GOPJ") -> str:
    """A valid CURP for these facts; ``serial`` varies the internal consonants to keep it unique."""
    consonants = "".join(CONSONANTS[(serial // len(CONSONANTS) ** power) % len(CONSONANTS)] for power in range(3))
    differentiator = "0" if birth_date.year < 2000 else "A"
    first_seventeen = (
        f"{initials}{birth_date:%y%m%d}{sex}{RENAPO_STATE_CODES[state]}{consonants}{differentiator}"
    )
    return first_seventeen + curp_check_digit(first_seventeen)


def make_nss(serial: int) -> str:
    from stdnum import luhn

    body = f"{serial:010d}"
    return body + luhn.calc_check_digit(body)


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    first_names = "Juan"
    paternal_surname = "González"
    maternal_surname = "Pérez"
    birth_date = datetime.date(1990, 5, 17)
    sex = "H"
    state_of_origin = "TLA"
    curp = factory.LazyAttributeSequence(
        lambda worker, n: make_curp(birth_date=worker.birth_date, sex=worker.sex, state=worker.state_of_origin,
                                    serial=n)
    )
    nss = factory.Sequence(make_nss)
    search_name = factory.LazyAttribute(
        lambda worker: search_text(worker.first_names, worker.paternal_surname, worker.maternal_surname)
    )


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    worker = factory.SubFactory(WorkerFactory)
    kind = DocumentKind.PASSPORT
    number = factory.Sequence(lambda n: f"G{n:08d}")
    issued_on = datetime.date(2024, 1, 10)
    expires_on = datetime.date(2034, 1, 9)


assert set(string.ascii_uppercase) >= set(CONSONANTS)


# --- certification -----------------------------------------------------------------------------
from certification.models import Scheme  # noqa: E402


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ("code",)

    code = "dairy-milk-quality"
    name_es = "Calidad de la leche en establos lecheros"
    name_en = "Dairy milk-quality training"
    validity_months = 24
    issuer = "Secretaría de Agricultura y Desarrollo Rural"


def fully_documented(worker, verifier, *, start: datetime.date):
    """Give ``worker`` the verified passport, medical approval and background check that make
    them eligible for a contract starting on ``start`` (of up to 8 months)."""
    now = timezone.now()
    recent = min(timezone.localdate(), start - datetime.timedelta(days=60))
    DocumentFactory(worker=worker, kind=DocumentKind.PASSPORT, expires_on=start + datetime.timedelta(days=3 * 365),
                    issued_on=recent - datetime.timedelta(days=365), verified_by=verifier, verified_at=now)
    DocumentFactory(worker=worker, kind=DocumentKind.MEDICAL, number="", issued_on=recent, expires_on=None,
                    verified_by=verifier, verified_at=now)
    DocumentFactory(worker=worker, kind=DocumentKind.BACKGROUND_CHECK, number="", issued_on=recent,
                    expires_on=None, verified_by=verifier, verified_at=now)
    return worker
