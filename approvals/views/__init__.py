"""Pages of applications (办件): window intake, back office, citizens, public tracking, notices."""
