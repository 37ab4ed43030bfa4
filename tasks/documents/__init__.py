"""From parsed documents to a batch: normalisation, datelines, ids, dedupe."""
