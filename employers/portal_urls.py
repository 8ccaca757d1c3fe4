"""Pages of the employer portal (under /portal/): sign-up, invitations, requests, worksites."""

urlpatterns = []
