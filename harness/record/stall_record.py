"""The record of a harness process's loop held: what `bots/loop_watch.py` writes and
`checks/harness_stalls.py` reads, and the resolution both work to."""

STALL = "harness-stall"
"""The observation, at the stall's end: the process and `held_s`, how long before then the loop may
have been held."""
WRITER = "writer"
"""The observation, as a counter starts: its name (`actor`, as its operations name it), the process
it sends its writes from (whose stalls may have held a write before it went out), whether the
embedded servers run there too (`servers`), and the page its writes are fetched through (`page`)."""
STALL_TICK_S = 0.02
STALL_MIN_S = 0.05
"""The loop watch's tick, and how far past it a wake is a stall (shorter waits are the scheduler's
jitter): the resolution of the stalls on record, which their check allows for."""
