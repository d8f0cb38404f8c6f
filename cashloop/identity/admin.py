"""Back-office registration of identity."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from cashloop.identity.models import ApiToken, Role, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Cashloop"), {"fields": ("display_name", "phone", "team", "roles")}),
    )
    list_display = ("username", "display_name", "email", "team", "is_active")
    list_filter = ("is_active", "team", "roles")
    filter_horizontal = ("roles", "groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "manager")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "data_scope")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scope", "expires_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")
