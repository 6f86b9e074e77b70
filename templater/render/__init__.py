"""Rendering: the bounded sandbox, single messages, and encoding facts."""
