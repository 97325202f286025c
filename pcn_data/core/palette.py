"""The dashboard's one palette: every colour a chart, a slide, the slide pack's template, the
projector and the page style use, named once. No plotly here, so that what draws no chart can use it.

NHS Blue leads an Okabe-Ito series (distinguishable with the common colour-vision deficiencies);
text and secondary text are NHS dark grey and NHS secondary text (6.4:1 on white)."""

NHS_BLUE = "#005EB8"
# Okabe-Ito, led by NHS Blue: distinguishable with the common colour-vision deficiencies.
CATEGORICAL = [NHS_BLUE, "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
ORANGE, GREEN = CATEGORICAL[1], CATEGORICAL[2]
TEXT = "#212B32"  # NHS dark grey
SECONDARY_TEXT = "#4C6272"  # captions, notes, tool buttons: 6.4:1 on white
WHITE = "#FFFFFF"
PALE = "#E8EDEE"  # NHS pale grey: placeholders, grid lines, the empty track of a bar
GREY = "#425563"  # NHS dark grey-blue: placeholder text
REFERENCE = "#768692"  # NHS mid grey: the ICS reference point of a native comparison chart
MID_GREY = "#AEB7BD"  # survey windows, "not applicable", zero lines, the ICS's range
GRID = "#D8DDE0"  # grid lines
HATCH = "#D0D6D9"  # the hatching of a placeholder bar
RED = "#D5281B"  # NHS red: the outline of the highlighted row (the ICS relationship)
MIDPOINT = "#F4F6F7"  # the middle of a diverging colour scale (no movement)

# Diverging answers: disagreeing (light, strong) and agreeing (light, strong), neutral between.
NEGATIVE = ["#F1A340", "#B35806"]
POSITIVE = ["#6BAED6", "#08519C"]
NEUTRAL = "#C8CDD0"
PLACEHOLDER = PALE
PLACEHOLDER_TEXT = GREY

# The PCN Maturity Matrix's four stages, light to dark.
STAGE_COLOURS = ["#DDE9F4", "#9CC3E4", "#4A90C9", "#0B4F8C"]
# Recommendation statuses.
STATUS_COLOURS = {
    "Done": POSITIVE[1],
    "In progress": POSITIVE[0],
    "Not started": PALE,
    "Not applicable": MID_GREY,
}
