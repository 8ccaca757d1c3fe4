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
