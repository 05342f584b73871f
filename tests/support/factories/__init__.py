"""Factories, one module per app (`tests.support.factories.<app>`)."""
