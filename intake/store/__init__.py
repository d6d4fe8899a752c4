"""Storage: messages, bids, their versions and history, and the work queue."""
