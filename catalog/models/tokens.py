"""API keys of integrations."""

from django.conf import settings
from django.db import models


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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
