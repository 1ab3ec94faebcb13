"""The frontend model's page loads: a listener that models a page reloads the stocktake's lines after
every subscription, as the frontend does, and the history records what it got as a `snapshot`.

The view check (`checks/views`) rebuilds a page from its listener's latest snapshot; a listener
without one has no page to check.
"""

from __future__ import annotations

from collections.abc import Callable

from ..api import StocktakeApi
from ..bots.recorder import ListenerRecorder
from ..record.history import History


def snapshot_hook(
    api: StocktakeApi, history: History, stocktake_id: int, hotel: str
) -> Callable[[ListenerRecorder, str], None]:
    """What a listener calls once subscribed to `channel`: (re)load the lines, as a page load would."""

    def load(recorder: ListenerRecorder, channel: str) -> None:
        asked = history.now()
        response = api.send(api.list_lines(stocktake_id))
        if response.ok:
            history.observe(
                "snapshot",
                time=asked,
                listener=recorder.name,
                socket_id=recorder.socket_id,
                channel=channel,
                data={"stocktake_id": stocktake_id, "hotel": hotel, "lines": response.body},
            )

    return load
