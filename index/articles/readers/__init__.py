"""Readers: one per format, each turning a file's bytes into the articles it holds.

``read_articles`` chooses the reader by the file's content where it is unmistakable (a PDF, a
Word document) and by its extension otherwise; ``SUFFIXES`` lists what is read.
"""

from index.articles.readers.base import Extracted, Unreadable
from index.articles.readers.formats import SUFFIXES, read_articles

__all__ = ["SUFFIXES", "Extracted", "Unreadable", "read_articles"]
