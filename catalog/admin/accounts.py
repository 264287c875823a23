"""API keys (issued by catalog.tokens, shown once) and users with their business units."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from catalog.admin.base import adopt
from catalog.admin.catalogue import UserMembershipInline
from catalog.models import ApiScope, ApiToken
from catalog.tokens import api_token_issue, api_token_revoke

User = get_user_model()


# --- API keys -------------------------------------------------------------------------


class ApiTokenForm(forms.ModelForm):
    """A key's scopes are chosen when it is issued (read by default) and can be narrowed or
    widened later; a key acts with its scopes and its user's rights, both."""

    class Meta:
        model = ApiToken
        fields = ["user", "name", "can_read", "can_ingest", "can_manage", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("can_read", True)

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"can_{scope}") for scope in ApiScope.values):
            raise ValidationError("Give the key at least one scope: read, ingest or manage.")
        return cleaned

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and self.instance.pk is None and expires_at <= timezone.now():
            raise ValidationError("The key would be expired already; choose a time in the future or leave it empty.")
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "prefix",
        "user",
        "name",
        "scope_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "state",
    ]
    list_filter = ["can_read", "can_ingest", "can_manage", "created_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        scopes = ["can_read", "can_ingest", "can_manage"]
        if obj is None:
            return ["user", "name", *scopes, "expires_at"]
        return ["user", "prefix", "name", *scopes, "expires_at", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    @admin.display(description="Scopes")
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(scope for scope in ApiScope.values if scope in obj.scopes)

    @admin.display(description="State")
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at:
            return "revoked"
        if obj.expires_at and obj.expires_at <= timezone.now():
            return "expired"
        return "active"

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = api_token_issue(user=obj.user, name=obj.name, scopes=obj.scopes, expires_at=obj.expires_at)
        adopt(obj, token)
        self.message_user(
            request,
            format_html(
                "The new key for “{}” is <code>{}</code> — copy it now: it is not stored and will not be shown again.",
                token.name,
                key,
            ),
            messages.SUCCESS,
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        for token in live:
            api_token_revoke(token=token)
        self.message_user(request, f"{len(live)} key(s) revoked.", messages.SUCCESS)


# --- Users: their business units inline -----------------------------------------------

_BaseUserAdmin = type(admin.site.get_model_admin(User)) if admin.site.is_registered(User) else UserAdmin
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AccordUserAdmin(_BaseUserAdmin):
    inlines = [*_BaseUserAdmin.inlines, UserMembershipInline]
