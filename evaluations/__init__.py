"""Evaluations (好差评), 差评 rectification, complaints and 12345 work orders."""
