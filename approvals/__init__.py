"""Applications (办件) and their legal clock: intake, review, decision, delivery."""
