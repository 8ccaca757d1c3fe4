"""The audit trail records who changed what, also for queryset updates that skip save()."""

import pytest
from pghistory.models import Events

from twp.models import Program

pytestmark = pytest.mark.django_db


def test_a_queryset_update_is_recorded_in_the_history(program):
    Program.objects.filter(pk=program.pk).update(return_grace_days=14)
    events = Program.pgh_event_model.objects.filter(pgh_obj=program).order_by("pgh_id")
    assert [(event.pgh_label, event.return_grace_days) for event in events] == [("insert", 7), ("update", 14)]


def test_a_change_through_the_api_records_the_acting_user(sign_in, administrator, program):
    client = sign_in(administrator)
    response = client.patch(
        f"/api/v1/programs/{program.pk}/", {"return_grace_days": 9}, content_type="application/json"
    )
    assert response.status_code == 200
    event = Events.objects.references(program).filter(pgh_label="update").get()
    assert event.pgh_context["user"] == administrator.pk
    assert event.pgh_context["url"] == f"/api/v1/programs/{program.pk}/"


def test_user_history_never_stores_the_password(staff_ontario):
    staff_ontario.set_password("Another-long-password-1")
    staff_ontario.save()
    event_fields = {field.name for field in type(staff_ontario).pgh_event_model._meta.fields}
    assert "password" not in event_fields
