"""Admin pieces the apps share."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows only services may change (so their rules and audit hold): listed and shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
