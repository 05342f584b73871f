"""The telephony provider's webhooks, mounted under `/hooks/`."""

from __future__ import annotations

from django.urls import path

from remedia.intake.channels import hooks_views

app_name = "channels"

urlpatterns = [
    path("twilio/sms", hooks_views.sms_hook, name="twilio_sms"),
    path("twilio/voice", hooks_views.voice_hook, name="twilio_voice"),
]
