"""Training and evaluation: reads releases only, never data/raw."""
