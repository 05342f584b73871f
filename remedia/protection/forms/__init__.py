"""Forms of the protection pages, one module per noun."""
