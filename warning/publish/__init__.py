"""Warnings published to the public and to other systems: CAP 1.2 messages and their Atom feed."""
