"""Incidents: one per (rule, station) key, with a transition table for their lifecycle."""
