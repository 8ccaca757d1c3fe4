"""Personas: the people whose view of the program the tests take.

Staff of a consulate (Ontario, Quebec), staff of a state office (Tlaxcala), an administrator,
and two employers (A in Ontario, B in Quebec): employer B must get 404 on employer A's things.
The administrator and the staff have a confirmed TOTP device (tests.factories.TOTP_SECRET), as
the second factor requires; ``sign_in`` gives a test client a fully verified session.
"""

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    PASSWORD,
    EmployerFactory,
    EmployerUserFactory,
    OfficeFactory,
    ProgramFactory,
    TOTPDeviceFactory,
    UserFactory,
    WorksiteFactory,
)
from twp.models import Office, Role


def with_device(user):
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def office_ontario(db):
    return OfficeFactory(name="Consulado de México en Toronto", destination_regions=["CA-ON"])


@pytest.fixture
def office_quebec(db):
    return OfficeFactory(name="Consulado de México en Montreal", destination_regions=["CA-QC"])


@pytest.fixture
def office_tlaxcala(db):
    return OfficeFactory(
        name="Servicio Nacional de Empleo Tlaxcala",
        kind=Office.Kind.STATE_OFFICE,
        destination_regions=[],
        mexican_states=["TLA"],
    )


@pytest.fixture
def administrator(db):
    return with_device(
        UserFactory(username="admin.hq", role=Role.ADMINISTRATOR, office=None, is_staff=True, is_superuser=True)
    )


@pytest.fixture
def staff_ontario(office_ontario):
    return with_device(UserFactory(username="staff.ontario", office=office_ontario))


@pytest.fixture
def staff_quebec(office_quebec):
    return with_device(UserFactory(username="staff.quebec", office=office_quebec))


@pytest.fixture
def staff_tlaxcala(office_tlaxcala):
    return with_device(UserFactory(username="staff.tlaxcala", office=office_tlaxcala))


@pytest.fixture
def employer_a(db):
    return EmployerFactory(legal_name="Ontario Orchards Ltd.")


@pytest.fixture
def employer_b(db):
    return EmployerFactory(legal_name="Vergers du Québec Inc.", region="CA-QC")


@pytest.fixture
def worksite_a(employer_a):
    return WorksiteFactory(employer=employer_a, name="Leamington greenhouses", region="CA-ON")


@pytest.fixture
def worksite_b(employer_b):
    return WorksiteFactory(employer=employer_b, name="Verger Saint-Joseph", city="Saint-Joseph", region="CA-QC")


@pytest.fixture
def employer_a_user(employer_a):
    return EmployerUserFactory(username="employer.a", employer=employer_a)


@pytest.fixture
def employer_b_user(employer_b):
    return EmployerUserFactory(username="employer.b", employer=employer_b)


@pytest.fixture
def personas(administrator, staff_ontario, staff_quebec, staff_tlaxcala, employer_a_user, employer_b_user):
    """Every persona by name, for role × endpoint matrices."""
    return {
        "administrator": administrator,
        "staff_ontario": staff_ontario,
        "staff_quebec": staff_quebec,
        "staff_tlaxcala": staff_tlaxcala,
        "employer_a": employer_a_user,
        "employer_b": employer_b_user,
    }


@pytest.fixture
def sign_in(client):
    """``sign_in(user)``: the test client gets a session as ``user``, second factor given when
    the user has a device (what the two sign-in pages do, without the typing)."""
    from django_otp import devices_for_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def make(user):
        client.force_login(user)
        device = next(devices_for_user(user, confirmed=True), None)
        if isinstance(device, TOTPDevice):
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as():
    """``api_as(user)``: an API client signed in as that user (session, like the browser)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real passwords, not test ones."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def safeguard(request, monkeypatch):
    """Applies the breakage of a ``with_teeth`` variant (nothing for the intact run)."""
    breakage = getattr(request, "param", None)
    if breakage is not None:
        breakage(monkeypatch)
    return breakage


@pytest.fixture
def office_edomex(db):
    return OfficeFactory(
        name="Servicio Nacional de Empleo Estado de México",
        kind=Office.Kind.STATE_OFFICE,
        destination_regions=[],
        mexican_states=["MEX"],
    )


@pytest.fixture
def staff_edomex(office_edomex):
    return with_device(UserFactory(username="staff.edomex", office=office_edomex))


@pytest.fixture
def worker_tlaxcala(db):
    """A worker from Tlaxcala: in the scope of the Tlaxcala state office."""
    from tests.factories import WorkerFactory

    return WorkerFactory(first_names="María Guadalupe", paternal_surname="Hernández", maternal_surname="Flores",
                         sex="M", state_of_origin="TLA")


@pytest.fixture
def worker_edomex(db):
    from tests.factories import WorkerFactory

    return WorkerFactory(first_names="José Luis", paternal_surname="Martínez", maternal_surname="Ruiz",
                         state_of_origin="MEX")
