"""The money's adapters: reading the log for money figures, the digests, the ``money``
projection and its reconciliation with the log."""
