"""Models of the queue arrive with the queue issue."""
