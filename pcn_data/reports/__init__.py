"""What leaves the dashboard as a file: slide packs (PowerPoint and PDF, native charts, templates) and
CSV downloads."""
