"""Figures from the event log: the day's statistics by service, window and rating."""
