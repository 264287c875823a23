"""Webhooks from the ticket tools: Jira, ServiceNow, Zendesk. Thin: find the integration, hand
the raw body and headers to sla.integrations.services, answer.

These endpoints are not for people or API keys: each delivery proves itself with the
integration's shared secret (an HMAC signature of the body), so user authentication and the
default permission are switched off here and a wrong signature is a 401.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.schema import AccordAutoSchema as AutoSchema
from catalog.api.throttling import WebhookRateThrottle
from sla.integrations.selectors import integration_for_delivery
from sla.integrations.services import integration_delivery_receive
from sla.integrations.signatures import SignatureRejected

DeliverySerializer = inline_serializer(
    "IntegrationDeliveryResult",
    {
        "created": serializers.IntegerField(help_text="Events stored."),
        "duplicates": serializers.IntegerField(help_text="Events Accord already had (a replayed delivery)."),
        "ticket": serializers.IntegerField(allow_null=True, help_text="Accord's id of the ticket."),
        "external_id": serializers.CharField(allow_null=True, help_text="The ticket's id in the tool."),
        "ignored": serializers.CharField(required=False, help_text="Why nothing was stored, when nothing was."),
        "defaults": serializers.DictField(
            required=False,
            help_text='The integration\'s defaults this delivery was given, e.g. {"priority": 3} for a ticket '
            "sent without a priority.",
        ),
        "notes": serializers.ListField(
            child=serializers.CharField(), required=False, help_text="Why a default was used."
        ),
    },
)


class WebhookSchema(AutoSchema):
    """Each webhook answers at two addresses (with and without the integration's slug)."""

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        return f"{operation_id}_by_slug" if "{slug}" in self.path else operation_id


class IntegrationWebhookView(APIView):
    schema = WebhookSchema()
    kind: str = ""
    signature_header: str = ""
    authentication_classes: list = []  # the signature is the authentication
    permission_classes = [AllowAny]
    throttle_classes = [WebhookRateThrottle]  # by address: no key to count by (docs/api.md)
    parser_classes: list = []  # the body is read raw: the signature covers its exact bytes

    def get_authenticate_header(self, request) -> str:
        # Without it DRF turns a 401 into a 403.
        return f'HMAC-SHA256 header="{self.signature_header}"'

    def post(self, request, slug: str | None = None):
        integration = integration_for_delivery(kind=self.kind, slug=slug)
        try:
            result = integration_delivery_receive(integration=integration, body=request.body, headers=request.headers)
        except SignatureRejected as error:
            raise AuthenticationFailed(str(error)) from error
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        data = {
            "created": result.created,
            "duplicates": result.duplicates,
            "ticket": result.ticket,
            "external_id": result.external_id,
        }
        if result.ignored:
            data["ignored"] = result.ignored
        if result.defaults:
            data["defaults"] = result.defaults
            data["notes"] = result.notes
        return Response(data)


def _schema(tool: str, header: str, description: str):
    return extend_schema(
        summary=f"{tool} webhook",
        description=description,
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter(header, str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: DeliverySerializer,
            400: OpenApiResponse(description="The delivery cannot be used; the message says why. Nothing stored."),
            401: OpenApiResponse(description="Missing or wrong signature. Nothing stored."),
            404: OpenApiResponse(description="No such integration, or none of this kind."),
        },
        tags=["integrations"],
    )


class JiraWebhookView(IntegrationWebhookView):
    kind = "jira"
    signature_header = "X-Hub-Signature"

    @_schema(
        "Jira",
        "X-Hub-Signature",
        "Jira / Jira Service Management webhooks: jira:issue_created, jira:issue_updated, comment_created, "
        "jira:issue_deleted. Signed with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>` when the "
        "integration has a secret; `X-Atlassian-Webhook-Identifier` makes retries harmless.",
    )
    def post(self, request, slug: str | None = None):
        return super().post(request, slug)


class ServiceNowWebhookView(IntegrationWebhookView):
    kind = "servicenow"
    signature_header = "X-Accord-Signature"

    def get_authenticate_header(self, request) -> str:
        return f'{super().get_authenticate_header(request)}, Bearer realm="accord"'

    @_schema(
        "ServiceNow",
        "X-Accord-Signature",
        'An incident record as the Table API writes it, bare or in {"result": …}. Signed with '
        "`X-Accord-Signature: sha256=<HMAC-SHA256 of the body, hex or base64>`, or carrying the secret: "
        "`X-Accord-Token: <secret>`, `Authorization: Bearer <secret>` or `Authorization: Basic` "
        "(user name: the integration's slug; password: the secret).",
    )
    def post(self, request, slug: str | None = None):
        return super().post(request, slug)


class ZendeskWebhookView(IntegrationWebhookView):
    kind = "zendesk"
    signature_header = "X-Zendesk-Webhook-Signature"

    @_schema(
        "Zendesk",
        "X-Zendesk-Webhook-Signature",
        "Zendesk event webhooks (zen:event-type:ticket.*). Verified with X-Zendesk-Webhook-Signature "
        "(base64 HMAC-SHA256 of timestamp + body) and X-Zendesk-Webhook-Signature-Timestamp, "
        "which must be within 5 minutes of Accord's clock.",
    )
    def post(self, request, slug: str | None = None):
        return super().post(request, slug)
