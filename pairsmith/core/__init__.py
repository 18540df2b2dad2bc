"""The foundation every stage stands on: records and their formats, files and locks, backends,
models, text measures and words. It imports no stage and nothing of `pairsmith.app`."""
