"""Admin views: teams and memberships are edited here; cases and the audit log are read only."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from investigations.models import AuditEvent, Case, Membership, Team


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor", "action", "target")
    list_filter = ("action",)
    search_fields = ("actor", "target")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Where an admin puts a user in a team and gives them a role."""

    list_display = ("user", "team", "role")
    list_filter = ("team", "role")
    search_fields = ("user__username",)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read only: case changes go through the services, which audit them."""

    list_display = ("id", "title", "team", "status", "priority", "assignee", "created_at")
    list_filter = ("team", "status", "priority")
    search_fields = ("title",)
