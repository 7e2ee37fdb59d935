"""Simulated hall days, traffic profiles and the waiting-time estimator they are scored on."""
