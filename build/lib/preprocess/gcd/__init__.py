"""Grand Comics Database: parse the free-text characters field; build cover datasets."""
