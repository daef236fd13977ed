"""Records: the facts about teachers (records.md), their evidence and review status."""
