"""Bolt listeners: slash commands, buttons and modal submissions."""
