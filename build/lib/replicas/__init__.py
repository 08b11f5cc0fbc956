"""Loopback replicas of the real sites: same URL schemes and JSON/page shapes, generated content."""
