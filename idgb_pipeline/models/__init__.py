"""Statistical models on the star schema, written to schema ``analysis`` (group ``modellen``)."""
