"""Who may do which kind of thing. Which rows they may see is each model's ``visible_to``."""

from django.contrib.auth.mixins import AccessMixin
from rest_framework import permissions


class IsAdministratorOrReadOnly(permissions.BasePermission):
    """Signed-in users read; only program administrators write (programs, offices)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or user.is_administrator


class ProgramStaffRequiredMixin(AccessMixin):
    """Pages for administrators and office staff only: employers get 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_program_staff:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class EmployerRequiredMixin(AccessMixin):
    """Pages of the employer portal: only employer users with a membership."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_employer_user:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)
