from django.contrib import admin

from certification.models import Attendance, Certificate, Scheme, TrainingSession


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    """Administrators define the schemes (name and description in both languages, validity, issuer)."""

    list_display = ["code", "name_es", "name_en", "validity_months", "issuer", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_es", "name_en"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    raw_id_fields = ["worker"]
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["scheme", "office", "place", "starts_on", "ends_on", "trainer"]
    list_filter = ["scheme", "office"]
    inlines = [AttendanceInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: certificates are issued and revoked through their services, which keep the record."""

    list_display = ["verification_code", "scheme", "issued_on", "expires_on", "revoked_at"]
    list_filter = ["scheme"]
    search_fields = ["verification_code"]
    raw_id_fields = ["worker"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
