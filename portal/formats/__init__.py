"""Per-language date and number formats that replace Django's (FORMAT_MODULE_PATH)."""
