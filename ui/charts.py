"""Plotly charts shared by the pages. Text from data is passed as data, never as HTML."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def row_counts_bar(counts: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=counts["row_count"],
            y=counts["table_name"],
            orientation="h",
            text=[f"{n:,}" for n in counts["row_count"]],
            textposition="auto",
            marker_color="#3b7a57",
            hovertemplate="%{y}: %{x:,} rows<extra></extra>",
        )
    )
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"title": "rows"},
    )
    return fig
