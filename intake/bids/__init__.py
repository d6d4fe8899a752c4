"""Use cases on stored bids, one transaction each: receive, triage, acknowledge, deadlines."""
