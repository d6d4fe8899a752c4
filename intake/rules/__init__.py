"""Pure rules on data: the bid model, its checks, the calendar, references."""
