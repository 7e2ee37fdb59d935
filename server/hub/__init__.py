"""The hub: connections, roles and tokens, each hall's runtime and fan-out, estimates beside it, metrics and file watching."""
