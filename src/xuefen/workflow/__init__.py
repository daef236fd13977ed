"""Workflows: the transition tables every workflow object declares, and recognition windows."""
