"""moderation: dedupe and filter pairs, with a reason and evidence for every drop."""
