"""Administrators read employers and requests in the admin; changes go through the pages and
the API, whose services write the status history and the timeline."""

from django.contrib import admin

from employers.models import Employer, WorkerRequest, Worksite


class WorksiteInline(admin.TabularInline):
    model = Worksite
    extra = 0
    fields = ["name", "city", "region", "housing_inspection_result", "housing_valid_until"]
    readonly_fields = fields
    can_delete = False


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "country", "region", "status", "created_at"]
    list_filter = ["status", "country", "region"]
    search_fields = ["legal_name", "business_number"]
    readonly_fields = ["status", "status_reason", "version"]
    inlines = [WorksiteInline]


@admin.register(WorkerRequest)
class WorkerRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "employer", "season", "workers_requested", "status", "submitted_at"]
    list_filter = ["status", "season", "program"]
    search_fields = ["employer__legal_name"]
    raw_id_fields = ["employer", "worksite", "occupation", "copied_from"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
