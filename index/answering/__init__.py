"""Answering: the briefing's own sentences chosen and cited, or what to ask instead."""
