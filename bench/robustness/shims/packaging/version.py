"""`packaging.version.parse` stand-in: numeric release tuple, enough for ART's version comparisons."""
import re


class Version:
    def __init__(self, text):
        self.text = str(text)
        head = re.match(r"[0-9]+(\.[0-9]+)*", self.text.lstrip("v"))
        self.release = tuple(int(p) for p in head.group(0).split(".")) if head else (0,)

    def _key(self, other):
        other = other if isinstance(other, Version) else Version(other)
        n = max(len(self.release), len(other.release))
        pad = lambda r: r + (0,) * (n - len(r))
        return pad(self.release), pad(other.release)

    def __lt__(self, o): a, b = self._key(o); return a < b
    def __le__(self, o): a, b = self._key(o); return a <= b
    def __gt__(self, o): a, b = self._key(o); return a > b
    def __ge__(self, o): a, b = self._key(o); return a >= b
    def __eq__(self, o): a, b = self._key(o); return a == b
    def __hash__(self): return hash(self.release)
    def __repr__(self): return f"<Version('{self.text}')>"

    @property
    def major(self): return self.release[0]

    @property
    def minor(self): return self.release[1] if len(self.release) > 1 else 0


def parse(text):
    return Version(text)
