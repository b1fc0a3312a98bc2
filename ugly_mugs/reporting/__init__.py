"""The reporter's face: the report form, the receipt, and return visits with the receipt code."""
