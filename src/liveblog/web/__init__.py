"""The ASGI app's parts: the JSON API, the HTML pages, and what they share."""
