"""Pages of evaluations (好差评): public rating links, the window evaluator, staff pages."""
