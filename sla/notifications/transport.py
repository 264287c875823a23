"""Putting a message on the wire: SMTP through Django's mail backend, HTTP POST through urllib.

The standard library's urllib is enough for one POST with a timeout, so no HTTP client is
added. Redirects are not followed: a receiver that moved must be reconfigured rather than have
signed alert bodies forwarded to wherever it points.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from sla.notifications.rendering import EmailParts

WEBHOOK_TIMEOUT_SECONDS = 10
ERROR_EXCERPT_CHARS = 300


class DeliveryError(Exception):
    """Sending failed. `permanent`: trying again cannot help (e.g. the endpoint was deleted)."""

    def __init__(self, message: str, *, response_status: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.response_status = response_status
        self.permanent = permanent


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx


_opener = urllib.request.build_opener(_NoRedirects)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    return " ".join(text.split())[:ERROR_EXCERPT_CHARS]


def webhook_post(*, url: str, body: bytes, headers: dict[str, str], timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> int:
    """POST `body` to `url`; returns the 2xx status or raises DeliveryError naming what went wrong."""
    parts = urlsplit(url)
    host = parts.netloc
    if parts.scheme not in ("http", "https"):  # urllib would also open file: and ftp: URLs
        raise DeliveryError(f"refused to post to a {parts.scheme or 'scheme-less'} URL: only http and https")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, checked above
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            response.read(64 * 1024)  # drain a little so keep-alive servers are not cut mid-reply
    except urllib.error.HTTPError as exc:
        with exc:
            excerpt = _excerpt(exc.read(ERROR_EXCERPT_CHARS * 4) or b"")
        message = f"HTTP {exc.code} from {host}" + (f": {excerpt}" if excerpt else "")
        if 300 <= exc.code < 400:
            message += f" (redirects are not followed; point the endpoint at {exc.headers.get('Location', '?')})"
        raise DeliveryError(message, response_status=exc.code) from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"Could not reach {host}: {exc.reason}") from None
    except TimeoutError:
        raise DeliveryError(f"No answer from {host} within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"Could not deliver to {host}: {exc.__class__.__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {host}", response_status=status)
    return status


def email_send(*, to: str, parts: EmailParts, headers: dict[str, str] | None = None) -> None:
    """Send one multipart (text + HTML) e-mail; raises DeliveryError when the mail server refuses."""
    message = EmailMultiAlternatives(
        subject=parts.subject,
        body=parts.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        # RFC 3834: tells mail servers and people's auto-responders not to answer.
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(parts.html, "text/html")
    try:
        message.send(fail_silently=False)
    except (OSError, ValueError) as exc:  # smtplib.SMTPException is an OSError
        raise DeliveryError(f"Mail server refused the message to {to}: {exc.__class__.__name__}: {exc}") from None
