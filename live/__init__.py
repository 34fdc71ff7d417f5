"""Live updates of the agents' pages over websockets (Django Channels)."""
