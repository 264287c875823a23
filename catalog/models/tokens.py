"""API keys of integrations."""

from django.conf import settings
from django.db import models


class ApiScope(models.TextChoices):
    """What a key may be used for. A key acts with its scopes and its user's rights, both."""

    READ = "read", "read: every GET"
    INGEST = "ingest", "ingest: ticket events, measurements, feedback responses"
    MANAGE = "manage", "manage: every other write (catalogue, agreements, targets, measures, ...)"


class ApiToken(models.Model):
    """An API key for an integration. Only a SHA-256 hash of the key is stored; the key
    itself is shown once, when issued (catalog/tokens.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120, help_text="What the key is for, e.g. 'Jira webhook'.")
    prefix = models.CharField(max_length=12, unique=True, editable=False, help_text="Public part of the key.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # One flag per ApiScope (docs/api.md). Keys issued before scopes existed have all three.
    can_read = models.BooleanField("read", default=False, help_text=ApiScope.READ.label)
    can_ingest = models.BooleanField("ingest", default=False, help_text=ApiScope.INGEST.label)
    can_manage = models.BooleanField("manage", default=False, help_text=ApiScope.MANAGE.label)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(can_read=True) | models.Q(can_ingest=True) | models.Q(can_manage=True),
                name="api_token_has_a_scope",
                violation_error_message="An API key needs at least one scope.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(scope for scope in ApiScope.values if getattr(self, f"can_{scope}"))
