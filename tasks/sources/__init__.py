"""Reading sources: the Source protocol, one reader per kind, byte decoding."""
