"""Alibaba Cloud SMS and voice: the notifiers (`channels.py`) and the loopback simulator (`simulator.py`)."""
