from rest_framework import serializers

from employers.models import Employer


class EmployerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Employer
        fields = ["id", "legal_name", "country", "status"]
        read_only_fields = fields
