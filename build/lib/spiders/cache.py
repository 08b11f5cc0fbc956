"""HTTP cache storage that never writes credentials (Cookie, Authorization) to disk."""
from __future__ import annotations

from scrapy.extensions.httpcache import FilesystemCacheStorage

SECRET_HEADERS = (b"cookie", b"authorization", b"x-api-key")


class CredentialFreeCacheStorage(FilesystemCacheStorage):
    """Scrapy's filesystem cache stores request headers verbatim; drop the credentials first."""

    def store_response(self, spider, request, response):
        clean = {name: values for name, values in request.headers.items()
                 if name.lower() not in SECRET_HEADERS}
        return super().store_response(spider, request.replace(headers=clean), response)
