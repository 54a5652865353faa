"""Analyses over stored figures: energy-label aggregates and priority scores."""
