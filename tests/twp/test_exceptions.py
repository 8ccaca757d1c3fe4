"""Domain errors are mapped to HTTP once, in the API's exception handler."""

from django.core.exceptions import ValidationError

from twp.api.exceptions import exception_handler
from twp.exceptions import DomainError, InvalidTransition, StaleVersion


def test_invalid_transition_is_409_listing_the_allowed_actions():
    response = exception_handler(
        InvalidTransition(current="active", action="sign", allowed=["end", "terminate"]), {}
    )
    assert response.status_code == 409
    assert response.data["allowed_actions"] == ["end", "terminate"]
    assert response.data["current_status"] == "active"


def test_stale_version_is_409():
    assert exception_handler(StaleVersion(), {}).status_code == 409


def test_domain_error_on_a_field_is_400_under_that_field():
    response = exception_handler(DomainError("Too many named workers.", field="named_workers"), {})
    assert response.status_code == 400
    assert response.data == {"named_workers": ["Too many named workers."]}


def test_django_validation_error_becomes_field_messages():
    response = exception_handler(ValidationError({"end_date": ["The end must come after the start."]}), {})
    assert response.status_code == 400
    assert response.data == {"end_date": ["The end must come after the start."]}


def test_deleting_a_row_others_refer_to_is_409_not_500(staff_ontario):
    from django.db.models import ProtectedError

    response = exception_handler(ProtectedError("protected", {staff_ontario}), {})
    assert response.status_code == 409
