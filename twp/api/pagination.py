from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination everywhere: no COUNT(*), and deep pages cost what the first one does."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
