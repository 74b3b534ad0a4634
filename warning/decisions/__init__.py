"""Decisions as data: typed events (`events.py`) and their words (`render.py`)."""
