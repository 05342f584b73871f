"""Staff pages of the protection app, one module per noun (`urls.py` mounts them)."""
