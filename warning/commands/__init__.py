"""Command groups of the command line beyond the core (warning/cli.py): incidents and duty through
a running engine's API, and users and their tokens in the database."""
