"""Outbound edge: channels (Twilio SMS, Twilio voice, console) and the loopback Twilio API simulator."""
