"""The desk, /editor: the HTML pages where people log in and write their blogs."""
