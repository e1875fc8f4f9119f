"""liveblog: live blogs for newsrooms."""

__version__ = "0.1.0"
