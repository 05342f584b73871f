"""HTML forms of coordination: they parse shape; the services check the rules."""
