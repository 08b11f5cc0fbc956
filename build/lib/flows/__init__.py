"""Prefect flows: thin orchestration over the plain functions of spiders/, preprocess/ and training/."""
