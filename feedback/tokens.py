"""Signed survey links: each invitation's link carries its id and nonce, signed with the site's
SECRET_KEY under a salt of its own, and timestamped.

A link is good while its signature is younger than the invitation's validity (`expires_at -
send_after`) and the invitation is neither expired nor answered. The nonce means a link cannot
outlive its row: after a database restore that reuses ids, an old link names a nonce nobody has.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.core import signing
from django.utils import timezone

from feedback.models import Invitation, InvitationStatus

SALT = "accord.feedback.invitation-link"


class LinkProblem(StrEnum):
    BAD = "bad"  # not one of ours, tampered with, or its invitation is gone
    EXPIRED = "expired"
    USED = "used"  # answered already


@dataclass(frozen=True)
class LinkCheck:
    invitation: Invitation | None
    problem: LinkProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def invitation_nonce() -> str:
    return secrets.token_hex(16)


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def invitation_token(invitation: Invitation) -> str:
    """The token of the invitation's link, timestamped now."""
    return _signer().sign_object({"i": invitation.pk, "n": invitation.nonce}, compress=False)


def invitation_token_check(token: str) -> LinkCheck:
    """The invitation a link names, or why it cannot be answered: bad, used, expired.

    `used` wins over `expired`: someone who answered and comes back later is thanked, not told off.
    """
    signer = _signer()
    try:
        payload = signer.unsign_object(token)
    except signing.BadSignature:
        return LinkCheck(None, LinkProblem.BAD)
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int) or not isinstance(payload.get("n"), str):
        return LinkCheck(None, LinkProblem.BAD)
    invitation = (
        Invitation.objects.select_related("service", "ticket", "business_unit")
        .filter(pk=payload["i"], nonce=payload["n"])
        .first()
    )
    if invitation is None:
        return LinkCheck(None, LinkProblem.BAD)
    if invitation.responded_at is not None or invitation.status == InvitationStatus.RESPONDED:
        return LinkCheck(invitation, LinkProblem.USED)
    if invitation.status == InvitationStatus.EXPIRED or invitation.expires_at <= timezone.now():
        return LinkCheck(invitation, LinkProblem.EXPIRED)
    try:
        signer.unsign_object(token, max_age=invitation.expires_at - invitation.send_after)
    except signing.SignatureExpired:
        return LinkCheck(invitation, LinkProblem.EXPIRED)
    return LinkCheck(invitation)
