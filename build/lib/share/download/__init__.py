"""Download engine: async fetches overlapped with a render process pool, for rebuild and URL lists."""
