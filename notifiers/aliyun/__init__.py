"""Alibaba Cloud SMS and voice: a loopback simulator the official SDKs talk to (`simulator.py`)."""
