"""The example fleet that `govflow demo` seeds."""
