"""The application on top of the stages: the CLI, the Python API, the whole run, its report and
its stamps. The only layer that imports every stage."""
