"""Spatial building blocks: simplification for the web (point-to-area and interpolation follow)."""
