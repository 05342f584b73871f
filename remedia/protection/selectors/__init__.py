"""Reads of the protection app, one module per noun; import from the module."""
