"""Hook implementations (filled by the lua issue)."""
