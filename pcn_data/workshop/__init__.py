"""Live workshops: poll sessions, the room in memory that phones and the presenter read, and what the
projector draws."""
