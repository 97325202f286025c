"""Chart builders: pure functions from an aggregated DataFrame to a Plotly figure.

The only module of pcn_data that imports plotly. Figures use colour-blind-safe colours
(Okabe-Ito, with NHS Blue first) and type large enough for a 1920x1080 projector.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

NHS_BLUE = "#005EB8"
# Okabe-Ito, led by NHS Blue: distinguishable with the common colour-vision deficiencies.
CATEGORICAL = [NHS_BLUE, "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
TEXT = "#212B32"
FONT_SIZE = 18


def base_layout(fig: go.Figure, title: str, *, height: int = 480) -> go.Figure:
    """Return fig with the dashboard's common layout: large type, white ground, legend on top."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": FONT_SIZE + 4}},
        font={"size": FONT_SIZE, "color": TEXT, "family": "Arial, Helvetica, sans-serif"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 20, "r": 20, "t": 110, "b": 20},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": None},
        hoverlabel={"font": {"size": FONT_SIZE}},
    )
    fig.update_yaxes(gridcolor="#D8DDE0", zerolinecolor="#AEB7BD", automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def respondents_by_place(df: pd.DataFrame, title: str = "Respondents by place and wave") -> go.Figure:
    """Return grouped bars of respondents per place, one colour per wave, counts on the bars.

    df: one row per wave x place with wave_name, place, respondents, cd_respondents,
    cds_invited, cd_response_rate (as from queries.respondents_by_place).
    """
    fig = go.Figure()
    for i, (wave, rows) in enumerate(df.groupby("wave_name", sort=False)):
        rate = rows["cd_response_rate"].map(lambda r: "–" if pd.isna(r) else f"{r:.0%}")
        fig.add_bar(
            name=wave,
            x=rows["place"],
            y=rows["respondents"],
            text=rows["respondents"],
            textposition="outside",
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            customdata=list(zip(rows["cd_respondents"], rows["cds_invited"], rate, strict=True)),
            hovertemplate=(
                "<b>%{x}</b><br>%{fullData.name}<br>Respondents: %{y}<br>"
                "Clinical Directors: %{customdata[0]} of %{customdata[1]} invited "
                "(%{customdata[2]})<extra></extra>"
            ),
        )
    fig.update_layout(barmode="group", bargap=0.25)
    top = float(df["respondents"].max()) if len(df) else 0.0
    fig.update_yaxes(title="Respondents", range=[0, max(top, 1) * 1.18])  # room for the labels
    fig.update_xaxes(title=None)
    return base_layout(fig, title)


def response_rate_by_place(df: pd.DataFrame, title: str = "Clinical Director response rate") -> go.Figure:
    """Return grouped bars of the CD response rate (responded / invited) per place and wave.

    df: as for respondents_by_place. Places with nobody invited have no bar.
    """
    fig = go.Figure()
    for i, (wave, rows) in enumerate(df.groupby("wave_name", sort=False)):
        rate = rows["cd_response_rate"]
        fig.add_bar(
            name=wave,
            x=rows["place"],
            y=rate,
            text=rate.map(lambda r: "" if pd.isna(r) else f"{r:.0%}"),
            textposition="outside",
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            customdata=list(zip(rows["cd_respondents"], rows["cds_invited"], strict=True)),
            hovertemplate=(
                "<b>%{x}</b><br>%{fullData.name}<br>%{customdata[0]} of %{customdata[1]} "
                "Clinical Directors responded (%{y:.0%})<extra></extra>"
            ),
        )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title="Responded / invited", tickformat=".0%", range=[0, 1.15])
    fig.update_xaxes(title=None)
    return base_layout(fig, title)
