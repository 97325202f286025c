"""The survey: the protected tables every survey number comes from, suppression, the queries and
aggregates behind the results pages, comparisons, free-text voices and redaction."""
