from django.contrib.auth import middleware


class LoginRequiredMiddleware(middleware.LoginRequiredMiddleware):
    """Every page needs a signed-in user unless marked ``@login_not_required``.

    The API is exempt: this middleware runs before DRF's token authentication, and DRF's own
    permission classes refuse anonymous requests there."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
