"""The Grand Comics Database crawl: spider, page and API parsers, item, pipelines, launcher."""
