from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from twp import services
from twp.models import MinimumWage, Notification, Office, Program, User


@admin.action(description=_("Deactivate (ends their sessions and API tokens)"))
def deactivate_users(modeladmin, request, queryset):
    for user in queryset:
        services.user_deactivate(user=user, by=request.user)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = [deactivate_users]
    list_display = ["username", "email", "role", "office", "is_active"]
    list_filter = ["role", "office", "is_active"]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Program"), {"fields": ["role", "office", "preferred_language"]}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Program"), {"fields": ["role", "office"]}))


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "email"]
    list_filter = ["kind"]
    search_fields = ["name"]


class MinimumWageInline(admin.TabularInline):
    """The program's minimum wage table: a new row with a later date replaces an old one."""

    model = MinimumWage
    raw_id_fields = ["occupation"]
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "destination_country", "currency", "is_active"]
    list_filter = ["destination_country", "is_active"]
    inlines = [MinimumWageInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "channel", "address", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["key", "address"]
    readonly_fields = [field.name for field in Notification._meta.fields]
