from rest_framework import permissions

from twp.models import Role


class IsProgramStaff(permissions.BasePermission):
    """Administrators, office staff and service accounts scoped to an office; employers and the
    other accounts are refused (403). Which rows they see is each model's ``visible_to``."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.viewing_role in (Role.ADMINISTRATOR, Role.STAFF))
