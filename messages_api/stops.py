"""Stop sequences, enforced on the stream: the CLI has no way to pass them on.

Pure: text deltas in, the text the client may see out, with a sequence split across
deltas found as surely as one inside a delta.
"""


class StopSequences:
    """Feed it a text block's deltas; it holds back what might begin a stop sequence."""

    def __init__(self, sequences):
        self.sequences = [sequence for sequence in sequences or () if sequence]
        self._held = ""
        self.matched = None  # the sequence that stopped the text, once one has

    def __bool__(self):
        return bool(self.sequences)

    def feed(self, text):
        """The part of `text` (after what was held back) the client may see now."""
        if self.matched is not None:
            return ""
        text = self._held + text
        found = [(text.find(sequence), sequence) for sequence in self.sequences if sequence in text]
        if found:
            at, self.matched = min(found)
            self._held = ""
            return text[:at]
        keep = max((self._overlap(text, sequence) for sequence in self.sequences), default=0)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self):
        """What was held back, once the block ends without a match."""
        held, self._held = self._held, ""
        return held

    @staticmethod
    def _overlap(text, sequence):
        """The length of the longest end of `text` that begins `sequence`."""
        for size in range(min(len(text), len(sequence) - 1), 0, -1):
            if sequence.startswith(text[-size:]):
                return size
        return 0
