"""Quality and speed: evaluation, the regression gate, and ``briefing-index bench``."""
