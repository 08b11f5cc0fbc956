"""Sharing releases: publish, fetch, remote stores, metadata-only export, rebuild and the
download engine."""
