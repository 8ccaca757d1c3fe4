"""The app's URLs plus one deliberately broken endpoint, to prove the fuzzer notices a 500."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from twp.urls import urlpatterns as app_urlpatterns


class BrokenView(APIView):
    @extend_schema(responses={200: inline_serializer("Broken", fields={"ok": serializers.BooleanField()})})
    def get(self, request):
        raise RuntimeError("a deliberate bug")


urlpatterns = [path("api/v1/broken/", BrokenView.as_view()), *app_urlpatterns]
