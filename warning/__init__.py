"""warning: early-warning rules engine for emergency coordination."""
