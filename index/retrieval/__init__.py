"""Retrieval: a question read once, the passages that match it, their dates, speakers, stories."""
