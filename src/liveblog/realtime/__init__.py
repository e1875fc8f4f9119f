"""Real time: the bus that wakes hubs after a commit, the hub that fans events out to
readers, and the server protocol that hands event streams to the hub."""
