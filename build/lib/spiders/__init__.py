"""Scrapy crawlers: fetch original bytes and metadata rows into the raw store; never touch pixels."""
