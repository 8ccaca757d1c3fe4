"""The one API router. Each app registers its viewsets in its ``api/urls.py``; the project's
urls.py includes ``router.urls`` after importing them, so the API root lists every resource."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
