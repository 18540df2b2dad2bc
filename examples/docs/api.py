"""The pairsmith Python API: everything the command line does is one function call away."""


def generate(paths, out, model="smollm2-135m-instruct", pairs_per_chunk=2):
    """Generate instruction pairs from documents and append them to ``out``.

    Each path may be a file, a folder or a glob pattern. Pairs already in ``out`` are not
    written again, so calling this twice with the same arguments adds nothing.

    Example::

        generate(["docs/"], "pairs.jsonl", pairs_per_chunk=3)
    """


class Pair:
    """One instruction, its optional input and its output, with provenance.

    The id of a pair is a hash of its text and its source path, so the same content from the
    same source keeps the same id when the dataset is generated again.
    """
