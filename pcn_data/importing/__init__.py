"""Importing spreadsheet exports: read a file, map its columns, validate every row, then write
it in one transaction as an `import_batch` that can be undone."""
