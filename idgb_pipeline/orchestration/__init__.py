"""Jobs, schedules, the landing sensor and freshness checks that run the pipeline unattended."""
