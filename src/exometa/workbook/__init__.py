"""The reviewer's workbook: its format (schema), safe reading and checking, and writing."""
