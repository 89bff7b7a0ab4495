"""The queue (取号叫号): lines, tickets, calling, appointments, the display board."""
