"""Reports, agreements, dissemination (need-to-know), alerts and audit."""
