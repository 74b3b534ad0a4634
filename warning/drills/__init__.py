"""Drills: scenario files replayed on a virtual clock, the decision log, and the timeline report."""
