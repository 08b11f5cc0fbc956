"""Manga109: read a release in place (books.txt, images/, annotations/) and build its datasets."""
