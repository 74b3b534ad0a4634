"""Escalation: organisation and rosters, policy snapshots and step decisions, the driver, live timers."""
