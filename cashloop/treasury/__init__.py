"""Treasury: cash position, budgets, customers' payment behaviour and the cash forecast
(the financial twin) with its scenarios and its measured accuracy."""
