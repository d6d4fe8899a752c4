"""The job queue's runners: workers, the waker, the scheduler, the journal recorder, and the
typed job kinds."""
