"""Coordination: inter-agency work groups, the annual work plan, its indicators."""
