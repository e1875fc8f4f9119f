"""Demo content shipped with liveblog."""
