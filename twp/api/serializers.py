from rest_framework import serializers

from twp.models import Office, Program


class ModelCleanMixin:
    """Run the model's ``clean()`` so the API and the admin refuse the same things."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.Meta.model(**{**self._current_values(), **attrs})
        from django.core.exceptions import ValidationError

        try:
            instance.clean()
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs

    def _current_values(self):
        if self.instance is None:
            return {}
        return {
            field.name: getattr(self.instance, field.name)
            for field in self.Meta.model._meta.concrete_fields
            if not field.primary_key
        }


class ProgramSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "code",
            "destination_country",
            "currency",
            "time_zone",
            "is_active",
            "min_contract_weeks",
            "min_total_hours",
            "max_contract_months",
            "season_start_month",
            "season_start_day",
            "season_end_month",
            "season_end_day",
            "return_grace_days",
            "minimum_age",
            "passport_validity_margin_days",
            "medical_approval_max_age_days",
        ]
        extra_kwargs = {
            "season_start_month": {"min_value": 1, "max_value": 12},
            "season_end_month": {"min_value": 1, "max_value": 12},
            "season_start_day": {"min_value": 1, "max_value": 31},
            "season_end_day": {"min_value": 1, "max_value": 31},
            "min_contract_weeks": {"min_value": 1, "max_value": 104},
            "min_total_hours": {"min_value": 1, "max_value": 10000},
            "max_contract_months": {"min_value": 1, "max_value": 24},
            "return_grace_days": {"max_value": 365},
            "minimum_age": {"min_value": 16, "max_value": 99},
        }


class OfficeSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = ["id", "name", "kind", "mexican_states", "destination_regions", "email"]
