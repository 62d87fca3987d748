"""Read models built from the event log; each tracks its position and can be rebuilt."""
