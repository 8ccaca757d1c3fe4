from rest_framework import permissions


class IsProgramStaff(permissions.BasePermission):
    """Administrators and office staff only: employers and other accounts are refused (403)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_program_staff)
