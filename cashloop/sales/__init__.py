"""Sales: pipelines and stages, opportunities with their stage history, leads."""
