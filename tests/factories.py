"""factory_boy factories: one per model, with values a real office would type."""

import base64
import time

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from employers.models import Employer, EmployerMembership
from twp.models import Office, Program, Role, User

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
    status = Employer.Status.APPROVED


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
