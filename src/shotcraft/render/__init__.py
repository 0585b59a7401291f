"""The render engine: jobs and keys, the takes store and ledger, executors, progress."""
