"""Pixiv datasets: raw crawl rows into pixiv-artists and pixiv-tags releases."""
