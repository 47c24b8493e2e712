"""The widget's user interface, drawn by Python into a document or a shadow root (browser only)."""
