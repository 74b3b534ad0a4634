"""HTTP API: Twilio webhooks and the authenticated JSON API."""
