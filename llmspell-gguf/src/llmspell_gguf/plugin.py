"""Hook implementations (filled by the gguf issue)."""
