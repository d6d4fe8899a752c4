"""The job queue's runners: workers, the waker, the scheduler, and the typed job kinds."""
