// Filled by the calendar work.
