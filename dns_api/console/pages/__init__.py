"""One module per area of the console, each with its ``router``."""
