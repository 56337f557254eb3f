"""MkDocs hooks of the site. `fences` is code that the hooks share, not a hook."""
