"""Dispatch: message texts, the notifier contract, and sending claimed notifications with the drill guard."""
