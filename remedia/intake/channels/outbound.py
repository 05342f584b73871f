"""Messages to workers through the telephony provider's REST API.

The twilio library's own client makes the call, pointed at ``TWILIO_API_URL``
(the provider, or the local stand-in in tests and demos). Its request log is
kept quiet: it names the address called, and nothing about a worker belongs in
our logs. A failed sending is logged as an event with the report's id and the
provider's status, never with the number or the text.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from remedia.intake.channels.sms import body_fit
from remedia.intake.hooks import ReplyDelivery
from remedia.intake.models import Channel

logger = logging.getLogger(__name__)

# The library logs every request it makes at INFO; ours stay out of the logs.
_provider_http_logger = logging.getLogger("remedia.intake.channels.provider_http")
_provider_http_logger.setLevel(logging.WARNING)
_provider_http_logger.propagate = False

TIMEOUT_SECONDS = 10
WHATSAPP_PREFIX = "whatsapp:"


class SendFailed(Exception):
    """The provider did not take the message (not configured, refused, unreachable)."""


def _client() -> Client:
    sid = settings.TWILIO_ACCOUNT_SID
    token = settings.TWILIO_AUTH_TOKEN
    if not sid or not token:
        raise SendFailed("not configured")
    client = Client(
        sid,
        token,
        http_client=TwilioHttpClient(
            timeout=TIMEOUT_SECONDS, logger=_provider_http_logger
        ),
        # No edge or region from the process environment: the address is ours.
        environment={},
    )
    client.api.base_url = settings.TWILIO_API_URL.rstrip("/")
    return client


def sender_for(channel: str) -> str:
    """Our own number on the channel: WhatsApp senders carry the prefix."""
    if channel == Channel.WHATSAPP:
        sender = settings.TWILIO_WHATSAPP_FROM or ""
        if sender and not sender.startswith(WHATSAPP_PREFIX):
            sender = WHATSAPP_PREFIX + sender
    else:
        sender = settings.TWILIO_SMS_FROM or ""
    if not sender:
        raise SendFailed("no sender")
    return sender


def recipient_for(channel: str, contact: str) -> str:
    """The worker's address as the provider expects it on the channel."""
    if channel == Channel.WHATSAPP and not contact.startswith(WHATSAPP_PREFIX):
        return WHATSAPP_PREFIX + contact
    if channel == Channel.SMS and contact.startswith(WHATSAPP_PREFIX):
        return contact.removeprefix(WHATSAPP_PREFIX)
    return contact


def message_send(*, channel: str, to: str, body: str) -> str:
    """Send one SMS or WhatsApp message; return the provider's id for it."""
    client = _client()
    try:
        message = client.messages.create(
            to=recipient_for(channel, to),
            from_=sender_for(channel),
            body=body_fit(body),
        )
    except (TwilioException, requests.RequestException) as exc:
        # The exception's text may repeat what was sent: keep only its kind.
        raise SendFailed(type(exc).__name__) from None
    return str(message.sid or "")


def reply_deliver(delivery: ReplyDelivery) -> None:
    """The deliverer for SMS and WhatsApp that `intake.services.staff_reply` calls.

    Runs after the reply is committed; a failure is logged without the number
    and the reply stays where the worker can read it with the receipt.
    """
    try:
        message_send(channel=delivery.channel, to=delivery.contact, body=delivery.body)
    except SendFailed as exc:
        logger.warning(
            "channels.reply_not_sent",
            extra={
                "channel": delivery.channel,
                "report_id": str(delivery.report_id),
                "reason": str(exc),
            },
        )
        return
    logger.info(
        "channels.reply_sent",
        extra={"channel": delivery.channel, "report_id": str(delivery.report_id)},
    )
