"""Chart builders: pure functions from an aggregated DataFrame to a Plotly figure, by concern, and
`to_png`, which draws a figure as an image. The only package of pcn_data that imports plotly.

- `theme`: the common layout (large type for a 1920x1080 projector) and shared helpers; colours
  come from `pcn_data.core.palette`, the one palette (no plotly there: slides, the template and
  the projector use it too);
- `survey`: who responded and the results pages' charts (suppressed frames only);
- `programme`: the PCN Maturity Matrix, engagement and recommendations;
- `workshop`: a poll question across sessions (Sessions side by side);
- `render`: chart images in one warm headless Chromium.

The presenter's live poll results are no plotly chart: the projector draws them as HTML bars
(`pcn_data.workshop.projector`), which redraw twice a second without a chart's blink. A page draws any of
these through `ui.chart(views.ChartSpec(...))`, the slide pack through the same specs.
"""

from pcn_data.charts.programme import (
    engagement_timeline,
    movement_heatmap,
    participation_bars,
    peer_ranges,
    progress_bars,
    stage_heatmap,
)
from pcn_data.charts.render import chromium_path, close_renderer, to_png
from pcn_data.charts.survey import (
    diverging_bars,
    gap_dumbbell,
    grouped_shares,
    interval_dots,
    ranked_shares,
    respondents_by_place,
    response_rate_by_place,
    share_heatmap,
    small_multiples,
)
from pcn_data.charts.theme import base_layout
from pcn_data.charts.workshop import session_bars

__all__ = [
    "base_layout",
    "chromium_path",
    "close_renderer",
    "diverging_bars",
    "engagement_timeline",
    "gap_dumbbell",
    "grouped_shares",
    "interval_dots",
    "movement_heatmap",
    "participation_bars",
    "peer_ranges",
    "progress_bars",
    "ranked_shares",
    "respondents_by_place",
    "response_rate_by_place",
    "share_heatmap",
    "small_multiples",
    "stage_heatmap",
    "session_bars",
    "to_png",
]
