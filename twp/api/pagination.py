from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination everywhere: no COUNT(*), and deep pages cost what the first one does."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = _("This page link is invalid or has expired; start again from the first page.")

    def decode_cursor(self, request):
        # A mangled cursor is bad input (400 with a message on the field), not a missing page.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError({self.cursor_query_param: [str(error.detail)]}) from error
