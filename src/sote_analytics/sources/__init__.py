"""Registers built from open data sources (network only in explicit fetch commands)."""
