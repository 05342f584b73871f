"""Shapes of the protection pages' forms, one module per noun; the services check
the rules (a form only turns posted text into values)."""
