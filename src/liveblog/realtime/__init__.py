"""Real time: the bus that carries wake-ups after commit."""
