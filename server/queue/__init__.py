"""The queue of a hall: its rules and engine (pure, no I/O) and the durable event log they are kept in."""
