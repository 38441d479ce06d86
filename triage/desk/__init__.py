"""The desk that keeps tickets: storage, lifecycle, SLA clock, queue, reports."""
