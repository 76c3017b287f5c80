"""Hook implementations (filled by the ollama issue)."""
