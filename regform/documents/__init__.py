"""Documents regform compares: IAM policy shorthand and normalisation, lifecycle and setting
document normalisation, and the minimal readable diff between two documents. Pure functions."""
