def navigation(request):
    """What the base template needs to draw the navigation for the signed-in role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    return {"nav_role": user.role}
