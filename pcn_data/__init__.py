"""PCN Futures data layer: schema, queries, statistics, charts, demo and command line.

Nothing in this package imports Streamlit; plotly is imported only by `pcn_data.charts`.
"""
