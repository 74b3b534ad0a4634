"""Loopback Twilio API simulator: the real twilio client talks to it in tests, drills and the demo."""

from notifiers.simulator.behaviour import Faults, PhoneBehaviour
from notifiers.simulator.server import TwilioSimulator

__all__ = ["Faults", "PhoneBehaviour", "TwilioSimulator"]
