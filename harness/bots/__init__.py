"""Listener bots (pysher, asyncio) and counter bots. Bots record; they never judge."""
