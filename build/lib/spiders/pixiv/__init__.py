"""The Pixiv crawl: spider, AJAX API parser, item, session middleware, pipelines, launcher."""
